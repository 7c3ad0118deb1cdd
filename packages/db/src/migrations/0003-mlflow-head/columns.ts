import { type ColumnSpec, type ColumnType, types } from './table-spec.js';

// Short forms for the column lists of MLflow's tables: `req` for NOT NULL, `opt` for nullable.

/** A NOT NULL column. */
export const req = (name: string, type: ColumnType, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  type,
  notNull: true,
  ...extra,
});

/** A nullable column. */
export const opt = (name: string, type: ColumnType, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  type,
  ...extra,
});

/** `varchar(n)`. */
export const v: (n: number) => string = types.varchar;
