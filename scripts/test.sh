#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install, build, run every test once, then print the plain
# "N passed, N failed" line. With TEST_POSTGRES_URL set, the Postgres half is mandatory: a run where it is
# skipped fails. Without it, the suite runs on SQLite alone (and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 ORT_DISABLE_TELEMETRY=1
# Types and lint first: a type error or a broken package boundary fails the run like a failing test.
pnpm exec turbo run typecheck --output-logs=errors-only
mkdir -p .ci
pnpm run --silent lint > .ci/lint.log 2>&1 || { cat .ci/lint.log; echo "lint failed" >&2; exit 1; }
# Every public package packed, linted (publint, attw), installed alone from its tarball and its README run.
node scripts/pack-check.mjs
rm -f .ci/results.json
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile=.ci/results.json || status=$?
node scripts/test-summary.mjs .ci/results.json || status=$?
exit "$status"
