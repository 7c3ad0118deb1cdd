#!/usr/bin/env node
// Copies the built web UI (apps/web/dist) into apps/server/dist/web-ui before `pnpm pack`, so a published
// @flowline/server serves the UI; `--remove` (postpack) deletes the copy again, so the workspace's server
// keeps serving apps/web/dist as it is rebuilt.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../apps/web/dist', import.meta.url));
const to = fileURLToPath(new URL('../apps/server/dist/web-ui', import.meta.url));
rmSync(to, { recursive: true, force: true });
if (process.argv.includes('--remove')) process.exit(0);
if (!existsSync(`${from}/index.html`)) {
  console.error(`no built web UI at ${from}; run \`pnpm exec turbo run build --filter=@flowline/web\` first`);
  process.exit(1);
}
cpSync(from, to, { recursive: true });
console.log(`web UI copied to ${to}`);
