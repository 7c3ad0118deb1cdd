#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine: the pinned pnpm, then the locked dependencies,
# then builds every package. Safe to run again; a warm store makes it take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 ORT_DISABLE_TELEMETRY=1
# better-sqlite3 compiles from source here; node-gyp must use the machine's Node headers (pnpm does not pass ~/.npmrc on).
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "installing pnpm $want" >&2
  npm install -g "pnpm@$want" >/dev/null
fi
# The web UI's end-to-end tests and bench/ui drive Debian's Chromium (playwright-core brings no browser).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
  echo "installing chromium" >&2
  as_root=""
  [ "$(id -u)" -ne 0 ] && as_root="sudo"
  $as_root apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { $as_root apt-get update >/dev/null && $as_root apt-get install -y --no-install-recommends chromium >/dev/null; }
fi
pnpm install --frozen-lockfile
pnpm exec turbo run build --output-logs=errors-only
# Put `flowline` on PATH, as every README uses it: a small launcher in npm's global bin folder (where
# `npm i -g` puts commands, so it is on PATH), or ~/.local/bin when that folder is not writable (a non-root
# user with a system Node). FLOWLINE_BIN_DIR picks another folder. A launcher, not a link, so it needs no
# executable bit on the build output and survives rebuilds.
bin_dir="${FLOWLINE_BIN_DIR:-$(npm prefix -g)/bin}"
if ! { mkdir -p "$bin_dir" && [ -w "$bin_dir" ]; } 2>/dev/null; then bin_dir="$HOME/.local/bin"; mkdir -p "$bin_dir"; fi
printf '#!/bin/sh\nexec node "%s/apps/cli/dist/main.js" "$@"\n' "$(pwd)" >"$bin_dir/flowline"
chmod +x "$bin_dir/flowline"
case ":$PATH:" in
  *":$bin_dir:"*) echo "flowline is on PATH ($bin_dir/flowline)" >&2 ;;
  *) echo "flowline is in $bin_dir, which is not on PATH; add it: export PATH=\"$bin_dir:\$PATH\"" >&2 ;;
esac
