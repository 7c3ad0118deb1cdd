#!/usr/bin/env bash
# From a fresh clone: install, build, and start the tracking server on the embedded default store
# (sqlite:///mlflow.db in this folder) at http://127.0.0.1:5000. Extra arguments go to `flowline server`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec node apps/cli/dist/main.js server "$@"
