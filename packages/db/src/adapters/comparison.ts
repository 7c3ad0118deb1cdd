import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';

const SIMPLE: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * The comparisons every dialect writes alike (`=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `NOT IN`), with the
 * value bound as a parameter; `pattern` writes `LIKE` and `ILIKE`, which the dialects spell differently.
 */
export function compareWith(
  pattern: (column: Expression<unknown>, comparator: 'LIKE' | 'ILIKE', value: string) => RawBuilder<SqlBool>,
  column: Expression<unknown>,
  comparator: string,
  value: string | number | readonly string[],
): RawBuilder<SqlBool> {
  const op = SIMPLE[comparator];
  if (op) return sql<SqlBool>`${column} ${sql.raw(op)} ${value}`;
  switch (comparator) {
    case 'LIKE':
    case 'ILIKE':
      return pattern(column, comparator, String(value));
    case 'IN':
    case 'NOT IN': {
      const list = sql.join((value as readonly string[]).map((v) => sql`${v}`));
      return comparator === 'IN'
        ? sql<SqlBool>`${column} in (${list})`
        : sql<SqlBool>`${column} not in (${list})`;
    }
    default:
      throw new Error(`unreachable comparator ${comparator}`);
  }
}
