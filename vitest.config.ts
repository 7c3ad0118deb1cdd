import { defineConfig } from 'vitest/config';

// One vitest run covers every package and example; each keeps its tests in its own test/ folder.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { ORT_DISABLE_TELEMETRY: '1', TURBO_TELEMETRY_DISABLED: '1' },
  },
});
