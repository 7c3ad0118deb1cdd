import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { SqlDialectName } from './dialect.js';

/** Rewrites a LIKE pattern (`%`, `_`, `\` escapes) as a GLOB pattern, which SQLite matches case-sensitively. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i]!;
      out += next === '*' || next === '?' || next === '[' ? `[${next}]` : next;
    } else if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

const SIMPLE: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * A parameterised comparison of a column with a user value. LIKE is case-sensitive and ILIKE
 * case-insensitive on both dialects (SQLite's own LIKE ignores case, so it gets GLOB instead).
 */
export function compare(
  dialect: SqlDialectName,
  column: Expression<unknown>,
  comparator: string,
  value: string | number | readonly string[],
): RawBuilder<SqlBool> {
  const op = SIMPLE[comparator];
  if (op) return sql<SqlBool>`${column} ${sql.raw(op)} ${value}`;
  switch (comparator) {
    case 'LIKE':
      return dialect === 'postgres'
        ? sql<SqlBool>`${column} like ${value}`
        : sql<SqlBool>`${column} glob ${likeToGlob(String(value))}`;
    case 'ILIKE':
      return dialect === 'postgres'
        ? sql<SqlBool>`${column} ilike ${value}`
        : sql<SqlBool>`${column} like ${value} escape '\\'`;
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
