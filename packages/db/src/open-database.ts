import { type Dialect, Kysely } from 'kysely';
import type { Database } from './database.js';
import type { SqlDialectName } from './dialect.js';
import { parseStoreUri } from './store-uri.js';

/** An open database: a typed Kysely handle plus the dialect it speaks. */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  /** The URI it was opened from, with any password masked. */
  uri: string;
  close(): Promise<void>;
}

/** Options for `openDatabase`. */
export interface OpenDatabaseOptions {
  /** Working folder for relative SQLite paths (default: `process.cwd()`). */
  cwd?: string;
  /** Postgres pool size (default 10). */
  poolSize?: number;
}

/** Masks the password in a connection URI, for logs and messages. */
export function redactUri(uri: string): string {
  return uri.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

async function sqliteDialect(filename: string): Promise<Dialect> {
  const [{ ConcurrentSqliteDialect }, { default: BetterSqlite3 }] = await Promise.all([
    import('./concurrent-sqlite-dialect.js'),
    import('better-sqlite3'),
  ]);
  // Opening waits (synchronously) for another process that is switching the file to WAL.
  const database = new BetterSqlite3(filename, { timeout: 10_000 });
  // WAL lets a CLI read while the server writes.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // From here on the dialect waits for locks asynchronously: a synchronous wait would freeze the event loop,
  // and with it the other connection of this process (tracking and registry each open one) that holds the lock.
  database.pragma('busy_timeout = 0');
  database.pragma('foreign_keys = ON');
  return new ConcurrentSqliteDialect({ database });
}

async function postgresDialect(connectionString: string, poolSize: number): Promise<Dialect> {
  const [{ PostgresDialect }, pgModule] = await Promise.all([import('kysely'), import('pg')]);
  const pg = pgModule.default;
  // BIGINT columns (timestamps, steps) come back as strings by default; every value we store fits a double.
  const parseInt8 = (value: string) => Number(value);
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? parseInt8 : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return new PostgresDialect({ pool });
}

/**
 * Opens a store URI (`sqlite:///…` via better-sqlite3, the embedded default; `postgresql://…` via `pg`).
 * Each driver loads on first use, so a SQLite user never loads `pg` and the reverse.
 */
export async function openDatabase(uri: string, options: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  const location = parseStoreUri(uri, options.cwd);
  const dialect =
    location.dialect === 'sqlite'
      ? await sqliteDialect(location.filename!)
      : await postgresDialect(location.connectionString!, options.poolSize ?? 10);
  const db = new Kysely<Database>({ dialect });
  let closed = false;
  return {
    db,
    dialect: location.dialect,
    uri: redactUri(uri),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
