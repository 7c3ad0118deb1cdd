import type { Dialect, Expression, Kysely, RawBuilder, SelectQueryBuilder, SqlBool } from 'kysely';
import type { SqlDialectName } from '../dialect.js';
import type { StoreLocation } from '../store-uri.js';

/** How a Kysely dialect for a location is made. */
export interface ConnectOptions {
  /** Postgres pool size (default 10); SQLite has one connection. */
  poolSize?: number;
}

/**
 * Everything that differs between the SQL dialects Flowline runs on, in one object, as Kysely's
 * `DialectAdapter`: stores call these instead of asking which dialect they are on. Migrations keep their own
 * per-dialect DDL, which is frozen once released.
 */
export interface SqlAdapter {
  /** The dialect's name, for messages and for the migration chain. */
  readonly name: SqlDialectName;
  /** The Kysely dialect for a parsed store URI; the driver is loaded here, on first use. */
  createDialect(location: StoreLocation, options: ConnectOptions): Promise<Dialect>;
  /**
   * A parameterised comparison of a column with a user value. `LIKE` is case-sensitive and `ILIKE`
   * case-insensitive, with `%`, `_` and `\` escapes, on every dialect (MLflow's SQL semantics).
   */
  compare(
    column: Expression<unknown>,
    comparator: string,
    value: string | number | readonly string[],
  ): RawBuilder<SqlBool>;
  /** True for a unique or primary-key violation raised by this dialect's driver. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * The query made to lock the rows it selects until its transaction ends, so concurrent writers of the same
   * rows take turns: `FOR UPDATE` on Postgres; on SQLite the query unchanged, since its transactions begin
   * `IMMEDIATE` and so already hold the database's write lock.
   */
  forUpdate<Q extends SelectQueryBuilder<any, any, any>>(query: Q): Q;
  /**
   * A table to read from through a given index: SQLite names it (`INDEXED BY`), since without statistics its
   * planner may prefer another; Postgres plans from its statistics, so it is the bare table.
   */
  tableUsingIndex(table: string, index: string): RawBuilder<unknown>;
  /**
   * After rows were inserted with explicit ids, makes the next id the database generates come after the
   * largest one (Postgres's `serial` keeps its own counter; SQLite's integer key already continues from the
   * largest row). The counter only moves forward.
   */
  syncSerial(db: Kysely<any>, table: string, column: string): Promise<void>;
  /**
   * A value read from another database (either dialect), as this one binds it to a column of the declared
   * `type` (`listColumns`' lower-cased type): booleans and JSON differ (SQLite keeps 0/1 and text).
   */
  toColumnValue(type: string, value: unknown): unknown;
  /** Each table's foreign keys: child table → the tables it references (itself excluded). */
  foreignKeys(db: Kysely<any>): Promise<Map<string, Set<string>>>;
}
