#!/usr/bin/env node
// Enforces the package dependency rules of STYLE.md: which Flowline packages each package may import,
// and that packages import each other only by name (never another package's src/ or dist/).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ALLOWED = {
  core: [],
  db: ['core'],
  'tracking-store': ['core', 'db'],
  registry: ['core', 'db'],
  // The basic-auth app's store: MLflow's auth database, opened through db like the stores.
  auth: ['core', 'db'],
  'artifact-store': ['core'],
  'projects-runner': ['core'],
  client: ['core'],
  'model-format': ['core', 'artifact-store'],
  'onnx-genai': [],
  testkit: ['*'],
};
// Optional peers: allowed only through a lazy `import()`, so installing the package never pulls them in.
const LAZY = {
  client: ['tracking-store', 'artifact-store', 'registry', 'model-format'],
  'model-format': ['onnx-genai'],
  cli: [],
};
// The web UI is bundled for the browser: it may use other Flowline packages only through `import type` (erased at
// build, so no server or store code reaches the bundle), e.g. its API types derived from @flowline/server's
// route schemas. Its tests may import anything.
const TYPE_ONLY = new Set(['web']);
const problems = [];

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(name)) yield path;
  }
}

for (const group of ['packages', 'apps']) {
  let names = [];
  try {
    names = readdirSync(join(root, group));
  } catch {
    continue;
  }
  for (const pkg of names) {
    const allowed = group === 'apps' ? ['*'] : ALLOWED[pkg];
    if (allowed === undefined) {
      problems.push(`${group}/${pkg}: no dependency rule; add it to scripts/check-boundaries.mjs`);
      continue;
    }
    const srcDir = join(root, group, pkg, 'src');
    let files;
    try {
      files = [...sourceFiles(srcDir)];
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (group === 'apps' && TYPE_ONLY.has(pkg)) {
        const statements =
          /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](@flowline\/[^'"]+)['"]/g;
        for (const m of text.matchAll(statements)) {
          if (!m[2]) {
            problems.push(`${relative(root, file)}: ${pkg} may import '${m[3]}' only with \`import type\``);
          }
        }
        for (const m of text.matchAll(/import\s*\(\s*['"](@flowline\/[^'"]+)['"]/g)) {
          problems.push(`${relative(root, file)}: ${pkg} may not load '${m[1]}' at run time`);
        }
      }
      for (const match of text.matchAll(/(from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const lazy = match[1].startsWith('import');
        const spec = match[2];
        const where = relative(root, file);
        if (
          /(^|\/)(packages|apps)\/[^/]+\/(src|dist)\//.test(spec) ||
          /\.\.\/\.\.\/(packages|apps)\//.test(spec)
        ) {
          problems.push(`${where}: imports another package's files ('${spec}'); import it by name`);
        }
        const named = /^@flowline\/([^/]+)/.exec(spec);
        if (!named || named[1] === pkg) continue;
        if (lazy && (LAZY[pkg] ?? []).includes(named[1])) continue;
        if (!allowed.includes('*') && !allowed.includes(named[1])) {
          problems.push(
            `${where}: ${pkg} may not depend on @flowline/${named[1]} (allowed: ${allowed.join(', ') || 'none'})`,
          );
        }
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Package boundary violations:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('package boundaries ok');
