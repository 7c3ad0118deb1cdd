import { Kysely } from 'kysely';
import { adapterFor } from './adapters/adapter-for.js';
import type { SqlAdapter } from './adapters/sql-adapter.js';
import type { Database } from './database.js';
import type { SqlDialectName } from './dialect.js';
import { type MigrationReport, migrateToLatest } from './migrate.js';
import { parseStoreUri } from './store-uri.js';

/**
 * An open database: a typed Kysely handle and the adapter for its dialect. Open one per process and give it to
 * every store on that database (`SqlTrackingStore.create(database)`, `SqlRegistryStore.create(database)`), so
 * they share one pool and one migration; whoever opened it closes it.
 */
export interface OpenDatabase {
  db: Kysely<Database>;
  /** What differs between dialects; stores use this, never the name. */
  adapter: SqlAdapter;
  /** The dialect's name (`adapter.name`), for migrations and messages. */
  dialect: SqlDialectName;
  /** The URI it was opened from, with any password masked. */
  uri: string;
  /**
   * Brings the schema up to date (`migrateToLatest`) the first time it is called on this handle; later calls
   * answer the same report without touching the database, so stores sharing the handle migrate once.
   */
  migrate(): Promise<MigrationReport>;
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

/**
 * Opens a store URI (`sqlite:///…` via better-sqlite3, the embedded default; `postgresql://…` via `pg`).
 * Each driver loads on first use, so a SQLite user never loads `pg` and the reverse.
 */
export async function openDatabase(uri: string, options: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  const location = parseStoreUri(uri, options.cwd);
  const adapter = adapterFor(location.dialect);
  const db = new Kysely<Database>({ dialect: await adapter.createDialect(location, options) });
  let closed = false;
  let migration: Promise<MigrationReport> | undefined;
  return {
    db,
    adapter,
    dialect: adapter.name,
    uri: redactUri(uri),
    migrate() {
      // A failed attempt is forgotten, so a later call tries again.
      migration ??= migrateToLatest(db, adapter.name).catch((error: unknown) => {
        migration = undefined;
        throw error;
      });
      return migration;
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
