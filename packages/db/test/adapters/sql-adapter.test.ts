import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../../src/index.js';

// Each adapter against its real database: SQLite in memory, Postgres when TEST_POSTGRES_URL is set (one
// connection, so the temporary tables below stay visible to every statement).
const postgresUrl = process.env.TEST_POSTGRES_URL?.trim();
const targets: Array<[string, string]> = [['sqlite', 'sqlite://']];
if (postgresUrl) targets.push(['postgres', postgresUrl]);

describe.each(targets)('%s adapter', (name, uri) => {
  let database: OpenDatabase;
  let db: Kysely<any>;
  beforeAll(async () => {
    database = await openDatabase(uri, { poolSize: 1 });
    db = database.db;
    await sql`create temporary table words (word varchar(50) primary key, n integer not null)`.execute(db);
    await db
      .insertInto('words')
      .values(['Alpha', 'alpha', 'al%pha', 'al_pha', 'beta', 'a*b', 'a[1]'].map((word, n) => ({ word, n })))
      .execute();
  });
  afterAll(() => database?.close());

  const matching = async (comparator: string, value: string | number | string[]) => {
    const rows = await db
      .selectFrom('words')
      .select('word')
      .where(database.adapter.compare(sql.ref('word'), comparator, value))
      .orderBy('n')
      .execute();
    return rows.map((r) => r.word);
  };

  it('is named for its dialect', () => {
    expect(database.adapter.name).toBe(name);
    expect(database.dialect).toBe(name);
  });

  it('matches LIKE case-sensitively and ILIKE case-insensitively, with % _ and \\ escapes', async () => {
    expect(await matching('LIKE', 'al%')).toEqual(['alpha', 'al%pha', 'al_pha']);
    expect(await matching('LIKE', 'A%')).toEqual(['Alpha']);
    expect(await matching('ILIKE', 'al%')).toEqual(['Alpha', 'alpha', 'al%pha', 'al_pha']);
    expect(await matching('LIKE', 'al\\%%')).toEqual(['al%pha']);
    expect(await matching('ILIKE', 'AL\\_PHA')).toEqual(['al_pha']);
    expect(await matching('LIKE', 'al_ha')).toEqual(['alpha']);
    // GLOB's own wildcards are literal characters in a LIKE pattern.
    expect(await matching('LIKE', 'a*b')).toEqual(['a*b']);
    expect(await matching('LIKE', 'a[1]')).toEqual(['a[1]']);
  });

  it('compares with =, !=, <, >=, IN and NOT IN', async () => {
    expect(await matching('=', 'beta')).toEqual(['beta']);
    expect(await matching('!=', 'beta')).toHaveLength(6);
    expect(await matching('IN', ['beta', 'alpha'])).toEqual(['alpha', 'beta']);
    expect(await matching('NOT IN', ['beta', 'alpha', 'Alpha'])).toEqual(['al%pha', 'al_pha', 'a*b', 'a[1]']);
    const numbers = await db
      .selectFrom('words')
      .select('n')
      .where(database.adapter.compare(sql.ref('n'), '>=', 5))
      .where(database.adapter.compare(sql.ref('n'), '<', 6))
      .execute();
    expect(numbers).toEqual([{ n: 5 }]);
  });

  it("recognises its driver's unique violations and nothing else", async () => {
    const duplicate = await db
      .insertInto('words')
      .values({ word: 'beta', n: 99 })
      .execute()
      .catch((e: unknown) => e);
    expect(database.adapter.isUniqueViolation(duplicate)).toBe(true);
    const missing = await db
      .insertInto('words')
      .values({ word: 'gamma', n: null })
      .execute()
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(database.adapter.isUniqueViolation(missing)).toBe(false);
    expect(database.adapter.isUniqueViolation(null)).toBe(false);
  });

  it('locks selected rows FOR UPDATE where the dialect has row locks', async () => {
    const query = database.adapter.forUpdate(
      db.selectFrom('words').select('word').where('word', '=', 'beta'),
    );
    expect(query.compile().sql.endsWith('for update')).toBe(name === 'postgres');
    const rows = await db
      .transaction()
      .execute((trx) =>
        database.adapter
          .forUpdate(trx.selectFrom('words').select('word').where('word', '=', 'beta'))
          .execute(),
      );
    expect(rows).toEqual([{ word: 'beta' }]);
  });

  it('reads a table through a named index', async () => {
    await sql`create index words_by_n on words (n)`.execute(db);
    const table = database.adapter.tableUsingIndex('words', 'words_by_n');
    const { rows } = await sql<{ word: string }>`select word from ${table} where n = ${4}`.execute(db);
    expect(rows).toEqual([{ word: 'beta' }]);
  });

  it('moves the id counter past explicitly inserted ids', async () => {
    const id = name === 'postgres' ? sql.raw('serial primary key') : sql.raw('integer primary key');
    await sql`create temporary table things (id ${id}, label varchar(10))`.execute(db);
    await db.insertInto('things').values({ id: 41, label: 'imported' }).execute();
    await database.adapter.syncSerial(db, 'things', 'id');
    await database.adapter.syncSerial(db, 'things', 'id');
    await db.insertInto('things').values({ label: 'new' }).execute();
    const row = await db
      .selectFrom('things')
      .select('id')
      .where('label', '=', 'new')
      .executeTakeFirstOrThrow();
    expect(row.id).toBeGreaterThan(41);
  });
});

describe('OpenDatabase.migrate', () => {
  it('migrates once per handle: later and concurrent calls answer the same report', async () => {
    const database = await openDatabase('sqlite://');
    try {
      const [first, second] = await Promise.all([database.migrate(), database.migrate()]);
      expect(first.applied).toHaveLength(3);
      expect(second).toBe(first);
      expect(await database.migrate()).toBe(first);
    } finally {
      await database.close();
    }
  });
});
