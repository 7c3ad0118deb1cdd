import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/** The part of a better-sqlite3 handle the dialect needs beyond Kysely's own `SqliteDatabase`. */
export interface ConcurrentSqliteDatabase {
  /** better-sqlite3's flag: true between `BEGIN` and `COMMIT`/`ROLLBACK`. */
  readonly inTransaction: boolean;
}

/** Options of `ConcurrentSqliteDialect`. */
export interface ConcurrentSqliteOptions {
  /** How long one statement or `BEGIN` keeps retrying a locked database before giving up (default 30 s). */
  busyTimeoutMs?: number;
}

/** True for SQLite's "database is locked" family (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, …): retrying may succeed. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Runs `attempt` until it stops failing with a busy error or `timeoutMs` has passed, backing off with jitter. */
async function retryWhileBusy<T>(timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= deadline) throw error;
    }
    await sleep(delay * (0.5 + Math.random()));
  }
}

/** A connection whose statements outside a transaction retry while the file is locked (each is atomic). */
class RetryingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    readonly database: ConcurrentSqliteDatabase,
    readonly timeoutMs: number,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Inside a transaction a busy error belongs to the caller: only the whole transaction could be redone.
    if (this.database.inTransaction) return this.inner.executeQuery<R>(query);
    return retryWhileBusy(this.timeoutMs, () => this.inner.executeQuery<R>(query));
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ConcurrentSqliteDriver extends SqliteDriver {
  readonly #database: ConcurrentSqliteDatabase;
  readonly #timeoutMs: number;
  #connection: RetryingConnection | undefined;

  constructor(config: SqliteDialectConfig, database: ConcurrentSqliteDatabase, timeoutMs: number) {
    super(config);
    this.#database = database;
    this.#timeoutMs = timeoutMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    if (this.#connection?.inner !== inner)
      this.#connection = new RetryingConnection(inner, this.#database, this.#timeoutMs);
    return this.#connection;
  }

  // IMMEDIATE takes the write lock up front, where waiting is safe. A deferred transaction that reads and then
  // writes fails at once with SQLITE_BUSY(_SNAPSHOT) when another connection wrote meanwhile, and SQLite's busy
  // handler is never consulted for it: that was the 'database is locked' seen with several workers.
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  // Outside WAL a COMMIT can meet readers; a busy COMMIT leaves the transaction open, so it may be retried.
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const commit = CompiledQuery.raw('commit');
    await retryWhileBusy(this.#timeoutMs, async () => {
      if (this.#database.inTransaction) await connection.executeQuery(commit);
    });
  }
}

/**
 * Kysely's SQLite dialect made safe for several connections, workers or processes on one file: write
 * transactions begin IMMEDIATE, and a locked database is waited for asynchronously (statements outside a
 * transaction and `BEGIN` retry with backoff), so the event loop keeps running and another connection in
 * the same process can finish the transaction that holds the lock. Open the database with `busy_timeout = 0`
 * so SQLite itself never blocks the thread.
 */
export class ConcurrentSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #database: ConcurrentSqliteDatabase;
  readonly #timeoutMs: number;

  constructor(
    config: SqliteDialectConfig & { database: ConcurrentSqliteDatabase },
    options: ConcurrentSqliteOptions = {},
  ) {
    super(config);
    this.#config = config;
    this.#database = config.database;
    this.#timeoutMs = options.busyTimeoutMs ?? 30_000;
  }

  override createDriver(): Driver {
    return new ConcurrentSqliteDriver(this.#config, this.#database, this.#timeoutMs);
  }
}
