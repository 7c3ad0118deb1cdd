import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, testPostgresUrl } from '@flowline/testkit';

/** An empty auth database: a SQLite file always, a new Postgres database when TEST_POSTGRES_URL is set. */
export interface AuthTarget {
  name: 'sqlite' | 'postgres';
  createDatabase(): Promise<{ uri: string; drop(): Promise<void> }>;
}

const sqlite: AuthTarget = {
  name: 'sqlite',
  async createDatabase() {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-auth-'));
    return {
      uri: `sqlite:///${join(dir, 'basic_auth.db')}`,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

// Not the migrated template: an auth database is its own, with its own alembic_version.
const postgres: AuthTarget = {
  name: 'postgres',
  createDatabase: () => createTestDatabase({ template: false }),
};

/** The targets this run covers. */
export function authTargets(): AuthTarget[] {
  return testPostgresUrl() ? [sqlite, postgres] : [sqlite];
}
