import { randomBytes } from 'node:crypto';

/** Name of the migrated template database that each test database is cloned from. */
export const TEMPLATE_DATABASE = 'flowline_test_template';

/** The Postgres server for tests (`TEST_POSTGRES_URL`), or null when tests run on SQLite alone. */
export function testPostgresUrl(): string | null {
  const url = process.env.TEST_POSTGRES_URL;
  return url && url.trim() !== '' ? url.trim() : null;
}

/** The same server URL pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, statements: string[], values: unknown[] = []): Promise<unknown[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: unknown[] = [];
    for (const statement of statements) rows = (await client.query(statement, values)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** How many connections to the test server carry this `application_name` (from `pg_stat_activity`). */
export async function countConnections(applicationName: string): Promise<number> {
  const url = testPostgresUrl();
  if (!url) throw new Error('TEST_POSTGRES_URL is not set');
  const [row] = (await adminQuery(
    url,
    ['select count(*)::int as n from pg_stat_activity where application_name = $1'],
    [applicationName],
  )) as Array<{ n: number }>;
  return row?.n ?? 0;
}

/** A fresh database for one test file, cloned from the migrated template; `drop()` removes it. */
export async function createTestDatabase(options: { template?: boolean } = {}): Promise<{
  uri: string;
  drop(): Promise<void>;
}> {
  const url = testPostgresUrl();
  if (!url) throw new Error('TEST_POSTGRES_URL is not set');
  const name = `flowline_t_${randomBytes(6).toString('hex')}`;
  const template = options.template === false ? 'template0' : TEMPLATE_DATABASE;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(url, [`create database ${name} template ${template}`]);
      break;
    } catch (error) {
      // Another file cloning the template at this instant makes Postgres refuse briefly; try again.
      if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
  return {
    uri: withDatabase(url, name),
    drop: async () => {
      await adminQuery(url, [`drop database if exists ${name} with (force)`]);
    },
  };
}

/** Creates (or recreates) the template database and migrates it once for the whole test run. */
export async function prepareTemplateDatabase(): Promise<void> {
  const url = testPostgresUrl();
  if (!url) return;
  await adminQuery(url, [
    `drop database if exists ${TEMPLATE_DATABASE} with (force)`,
    `create database ${TEMPLATE_DATABASE} template template0`,
  ]);
  const { openDatabase, migrateToLatest } = await import('@flowline/db');
  const db = await openDatabase(withDatabase(url, TEMPLATE_DATABASE), { poolSize: 1 });
  try {
    await migrateToLatest(db.db, db.dialect);
  } finally {
    await db.close();
  }
}
