import { importOptional } from '@flowline/core';
import { type Dialect, type SqlBool, sql } from 'kysely';
import { compareWith } from '../comparison.js';
import { groupParents } from '../foreign-keys.js';
import type { SqlAdapter } from '../sql-adapter.js';
import { likeToGlob } from './like-to-glob.js';

async function sqliteDialect(filename: string): Promise<Dialect> {
  const [{ ConcurrentSqliteDialect }, { default: BetterSqlite3 }] = await Promise.all([
    import('./concurrent-sqlite-dialect.js'),
    importOptional('better-sqlite3', 'to open sqlite:// databases', () => import('better-sqlite3')),
  ]);
  // Opening waits (synchronously) for another process that is switching the file to WAL.
  const database = new BetterSqlite3(filename, { timeout: 10_000 });
  // WAL lets a CLI read while the server writes.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // From here on the dialect waits for locks asynchronously: a synchronous wait would freeze the event loop,
  // and with it any other connection of this process to the same file that holds the lock.
  database.pragma('busy_timeout = 0');
  database.pragma('foreign_keys = ON');
  return new ConcurrentSqliteDialect({ database });
}

/** SQLite through better-sqlite3 (`sqlite:///…`): the embedded default. */
export const sqliteAdapter: SqlAdapter = {
  name: 'sqlite',
  createDialect: (location) => sqliteDialect(location.filename ?? ':memory:'),
  // SQLite's own LIKE ignores case, so LIKE becomes GLOB, and ILIKE is SQLite's LIKE.
  compare: (column, comparator, value) =>
    compareWith(
      (col, op, pattern) =>
        op === 'LIKE'
          ? sql<SqlBool>`${col} glob ${likeToGlob(pattern)}`
          : sql<SqlBool>`${col} like ${pattern} escape '\\'`,
      column,
      comparator,
      value,
    ),
  isUniqueViolation(error) {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
  // Transactions begin IMMEDIATE (see ConcurrentSqliteDialect): the write lock is held from the start.
  forUpdate: (query) => query,
  tableUsingIndex: (table, index) => sql`${sql.table(table)} indexed by ${sql.id(index)}`,
  syncSerial: async () => {},
  toColumnValue(type, value) {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (type === 'json' && value !== null && typeof value === 'object' && !Buffer.isBuffer(value))
      return JSON.stringify(value);
    return value;
  },
  async foreignKeys(db) {
    const { rows } = await sql<{ child: string; parent: string }>`
      select m.name as child, f."table" as parent
      from sqlite_master m join pragma_foreign_key_list(m.name) f
      where m.type = 'table'`.execute(db);
    return groupParents(rows);
  },
};
