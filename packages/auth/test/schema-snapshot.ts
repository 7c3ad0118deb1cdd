import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';

/** A fixture's statements, comments dropped. */
export function fixtureStatements(name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function runStatements(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Everything about a schema two databases must agree on, in a stable order. */
export async function schemaSnapshot(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<unknown> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ type: string; name: string; sql: string | null }>`
      select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(
      db,
    );
    return rows.map((r) => ({ ...r, sql: r.sql?.replace(/\s+/g, ' ') ?? null }));
  }
  const columns = await sql`
    select table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
    from information_schema.columns where table_schema = 'public' order by table_name, column_name`.execute(
    db,
  );
  const constraints = await sql`
    select conrelid::regclass::text as table_name, conname, contype, pg_get_constraintdef(oid) as definition
    from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`.execute(db);
  const indexes = await sql`
    select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`.execute(
    db,
  );
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
}

/** Every row of every auth table, for proving a database was left as it was. */
export async function rowsSnapshot(db: Kysely<unknown>, tables: readonly string[]): Promise<unknown> {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const { rows } = await sql`select * from ${sql.table(table)} order by 1`.execute(db);
    out[table] = rows;
  }
  return out;
}
