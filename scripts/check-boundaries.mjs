#!/usr/bin/env node
// The package dependency rules of STYLE.md live in .dependency-cruiser.cjs; this runs them (as `pnpm lint`
// does), so `node scripts/check-boundaries.mjs` keeps working.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = ['exec', 'depcruise', 'packages/*/src', 'apps/*/src', '--config', '.dependency-cruiser.cjs'];
const { status } = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit', shell: false });
process.exit(status ?? 1);
