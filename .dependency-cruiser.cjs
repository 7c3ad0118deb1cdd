// The package dependency rules of STYLE.md, checked by dependency-cruiser (`pnpm lint`). Paths are the
// files the imports resolve to: a workspace package imported by name resolves to its dist/.
const pkg = (names) => `^packages/(${names.join('|')})/`;
/** Packages each library may import at all (its own folder always). */
const ALLOWED = {
  core: [],
  db: ['core'],
  'tracking-store': ['core', 'db'],
  registry: ['core', 'db'],
  // The basic-auth app's store: MLflow's auth database, opened through db like the stores.
  auth: ['core', 'db'],
  'artifact-store': ['core'],
  'projects-runner': ['core'],
  tracing: ['core'],
  client: ['core', 'tracing'],
  evaluation: ['core', 'client', 'tracing'],
  'model-format': ['core', 'artifact-store'],
  'onnx-genai': [],
};
/** Optional peers: allowed only through a lazy `import()`, so installing the package never pulls them in. */
const LAZY = {
  client: ['tracking-store', 'artifact-store', 'registry', 'model-format'],
  'model-format': ['onnx-genai'],
  evaluation: ['model-format', 'tracking-store', 'artifact-store', 'registry'],
};
// testkit (private) may import anything; a new package must get a line above before lint passes.
const { readdirSync } = require('node:fs');
const missing = readdirSync(`${__dirname}/packages`).filter(
  (name) => name !== 'testkit' && !(name in ALLOWED),
);
if (missing.length > 0)
  throw new Error(
    `no dependency rule for packages/${missing.join(', packages/')} in .dependency-cruiser.cjs`,
  );
const TYPES_ONLY = ['type-only', 'type-import', 'import-equals'];

module.exports = {
  forbidden: [
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve: a package used without being declared in package.json',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...Object.entries(ALLOWED).map(([name, allowed]) => ({
      name: `${name}-dependencies`,
      comment: `${name} may import only ${allowed.join(', ') || 'no other Flowline package'} (STYLE.md)`,
      severity: 'error',
      from: { path: `^packages/${name}/src/` },
      to: {
        path: '^(packages|apps)/',
        pathNot: pkg([name, ...allowed, ...(LAZY[name] ?? [])]),
      },
    })),
    ...Object.entries(LAZY).map(([name, lazy]) => ({
      name: `${name}-lazy-peers`,
      comment: `${name} may load ${lazy.join(', ')} only through import() (optional peers)`,
      severity: 'error',
      from: { path: `^packages/${name}/src/` },
      to: { path: pkg(lazy), dependencyTypesNot: ['dynamic-import', ...TYPES_ONLY] },
    })),
    {
      name: 'web-type-only',
      comment: 'the web UI is bundled for the browser: other Flowline packages only through `import type`',
      severity: 'error',
      from: { path: '^apps/web/src/' },
      to: { path: '^(packages|apps/(server|cli))/', dependencyTypesNot: TYPES_ONLY },
    },
    {
      name: 'by-name-only',
      comment: 'import another package by its name, never through its src/ or dist/ files',
      severity: 'error',
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: { path: '^(packages|apps)/([^/]+)/', pathNot: '^$1/$2/', dependencyTypes: ['local'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^(packages|apps)/[^/]+/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.d.ts'],
    },
  },
};
