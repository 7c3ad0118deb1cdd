#!/usr/bin/env node
// Packs every public package as npm would publish it, lints each tarball (publint, and attw for its types),
// then installs each one alone with npm in a fresh folder and runs its README's "Install" example there.
//
// The README is the script: its Install section holds a ```bash block whose first line is the
// `npm install …` a user types (other lines run after it, with node_modules/.bin on PATH) and, optionally,
// a ```js block run as example.mjs. @flowline/* names resolve to the tarballs packed here (npm overrides);
// other names are installed at the workspace's catalog version, from npm's cache where it has them.
// Install-alone is checked too: no heavy driver or runtime that the install line does not name may land.
//
// Usage: node scripts/pack-check.mjs [package-dir …]   (default: every public package; needs a build)
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const HEAVY = ['pg', 'better-sqlite3', 'onnxruntime-node', '@huggingface/transformers', '@aws-sdk/client-s3'];
const HEAVY_EXTRA = ['@kubernetes/client-node', '@flowline/onnx-genai'];
const work = mkdtempSync(join(tmpdir(), 'flowline-pack-check-'));
const tarballs = join(work, 'tarballs');
const problems = [];
const started = Date.now();

const all = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => `${group}/${name}`)
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .filter((dir) => !readJson(join(root, dir, 'package.json')).private),
);
const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => d.replace(/\/$/, '')) : all;

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function catalog() {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const section = /^catalog:\n((?:[ \t]+.*\n?)*)/m.exec(text)?.[1] ?? '';
  return Object.fromEntries(
    [...section.matchAll(/^\s+"?([^":\s]+)"?:\s*(\S+)/gm)].map((m) => [
      m[1],
      m[2].replace(/^['"]|['"]$/g, ''),
    ]),
  );
}

/** The Install section's shell lines and JS example. */
function readmeExample(dir) {
  const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
  const section = /^## Install\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (!section) throw new Error(`${dir}/README.md has no "## Install" section`);
  const shell = /```(?:bash|sh)\n([\s\S]*?)```/.exec(section)?.[1].trim().split('\n') ?? [];
  const install = shell[0]?.replace(/#.*$/, '').trim() ?? '';
  if (!/^npm install /.test(install))
    throw new Error(`${dir}/README.md: Install must start with npm install`);
  const js = /```(?:js|javascript|mjs)\n([\s\S]*?)```/.exec(section)?.[1];
  return { names: install.split(/\s+/).slice(2), after: shell.slice(1).join('\n'), js };
}

async function pack(dir) {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(root, dir) });
  const file = stdout
    .trim()
    .split('\n')
    .findLast((line) => line.endsWith('.tgz'));
  return { dir, name: readJson(join(root, dir, 'package.json')).name, file };
}

async function lint({ dir, file }) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const tarball = readFileSync(file);
  const pkg = readJson(join(root, dir, 'package.json'));
  const { messages } = await publint({
    pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
    level: 'warning',
    strict: true,
  });
  for (const m of messages) problems.push(`${dir}: publint: ${formatMessage(m, pkg) ?? m.code}`);
  try {
    await run(join(root, 'node_modules/.bin/attw'), [file, '--profile', 'esm-only', '--format', 'ascii']);
  } catch (error) {
    problems.push(`${dir}: attw (are the types wrong) found problems:\n${error.stdout}`);
  }
}

async function installAndRun({ dir, name }, packed, versions) {
  const { names, after, js } = readmeExample(dir);
  const folder = join(work, name.replace('@flowline/', ''));
  mkdirSync(folder);
  const direct = new Set(names.map((n) => n.replace(/(.)@.*$/, '$1')));
  const overrides = Object.fromEntries(
    packed.filter((p) => !direct.has(p.name)).map((p) => [p.name, `file:${p.file}`]),
  );
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'try-it', private: true, overrides }));
  const specs = [...direct].map((n) => {
    const own = packed.find((p) => p.name === n);
    return own ? own.file : versions[n] ? `${n}@${versions[n]}` : n;
  });
  // Scripts are skipped: onnxruntime-node's postinstall downloads CUDA providers, and better-sqlite3 would
  // compile from source (its prebuilt binaries are unreachable here); its addon is taken from the workspace.
  const npm = ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...specs];
  await run('npm', npm, { cwd: folder, maxBuffer: 1 << 24 });
  // What a named package declares as a plain dependency is meant to come with it (the CLI's drivers).
  const declared = new Set(
    packed
      .filter((p) => direct.has(p.name))
      .flatMap((p) => Object.keys(readJson(join(root, p.dir, 'package.json')).dependencies ?? {})),
  );
  for (const heavy of [...HEAVY, ...HEAVY_EXTRA]) {
    if (!direct.has(heavy) && !declared.has(heavy) && existsSync(join(folder, 'node_modules', heavy)))
      problems.push(`${dir}: \`${names.join(' ')}\` also installed ${heavy}`);
  }
  const addon = 'node_modules/better-sqlite3/build/Release';
  if (existsSync(join(folder, 'node_modules/better-sqlite3'))) {
    mkdirSync(join(folder, addon), { recursive: true });
    const built = join(root, 'packages/db', addon, 'better_sqlite3.node');
    writeFileSync(join(folder, addon, 'better_sqlite3.node'), readFileSync(built));
  }
  const env = { ...process.env, PATH: `${join(folder, 'node_modules/.bin')}:${process.env.PATH}` };
  delete env.MLFLOW_TRACKING_URI;
  const opts = { cwd: folder, env, timeout: 120_000, maxBuffer: 1 << 24 };
  try {
    if (js) {
      writeFileSync(join(folder, 'example.mjs'), js);
      await run('node', ['example.mjs'], opts);
    }
    if (after) await run('bash', ['-euo', 'pipefail', '-c', after], opts);
  } catch (error) {
    problems.push(`${dir}: README example failed:\n${error.stderr || error.message}`.trimEnd());
  }
}

/** Runs `task` over `items`, `limit` at a time (npm installs wait on disk more than on the 2 cores). */
async function pool(items, limit, task) {
  const queue = [...items];
  const workers = Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await task(item);
  });
  await Promise.all(workers);
}

try {
  mkdirSync(tarballs);
  const packed = [];
  for (const dir of all) packed.push(await pack(dir)); // one at a time: the server's prepack copies files
  const chosen = packed.filter((p) => dirs.includes(p.dir));
  await pool(chosen, 4, (p) => lint(p).catch((e) => problems.push(`${p.dir}: lint: ${e.message}`)));
  const versions = catalog();
  await pool(chosen, 3, (p) =>
    installAndRun(p, packed, versions).catch((e) => problems.push(`${p.dir}: ${e.stderr || e.message}`)),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (problems.length > 0) {
  console.error(
    `pack check: ${problems.length} problem(s) in ${seconds} s\n${problems.map((p) => `- ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(`pack check ok: ${dirs.length} packages packed, linted, installed alone and run in ${seconds} s`);
