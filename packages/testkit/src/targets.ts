import { createTestDatabase, testPostgresUrl } from './postgres.js';

/** A database a suite runs against: SQLite always, Postgres when `TEST_POSTGRES_URL` is set. */
export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated database's URI, and how to remove it. */
  createDatabase(): Promise<{ uri: string; drop(): Promise<void> }>;
}

const sqlite: StoreTarget = {
  name: 'sqlite',
  async createDatabase() {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'flowline-test-'));
    return {
      uri: `sqlite:///${join(dir, 'mlflow.db')}`,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

const postgres: StoreTarget = { name: 'postgres', createDatabase: () => createTestDatabase() };

/** The targets this run covers. */
export function storeTargets(): StoreTarget[] {
  return testPostgresUrl() ? [sqlite, postgres] : [sqlite];
}
