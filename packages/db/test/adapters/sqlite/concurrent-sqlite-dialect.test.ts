import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, isSqliteBusy, type OpenDatabase, openDatabase } from '../../../src/index.js';

let dir: string;
let first: OpenDatabase;
let second: OpenDatabase;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-sqlite-concurrency-'));
  const uri = `sqlite:///${join(dir, 'shared.db')}`;
  first = await openDatabase(uri);
  second = await openDatabase(uri);
  await sql`create table items (name text primary key, seen integer not null)`.execute(first.db);
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await rm(dir, { recursive: true, force: true });
});

const count = async (db: Kysely<Database>): Promise<number> =>
  Number((await sql<{ n: number }>`select count(*) as n from items`.execute(db)).rows[0]!.n);

describe('ConcurrentSqliteDialect', () => {
  it('lets a second connection in the same process wait for a transaction that holds the lock', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = first.db.transaction().execute(async (trx) => {
      await sql`insert into items values ('held', 0)`.execute(trx);
      locked();
      await gate;
    });
    await holding;
    // A transaction that reads before it writes: deferred, it failed at once with SQLITE_BUSY(_SNAPSHOT).
    const reader = second.db.transaction().execute(async (trx) => {
      const seen = await count(trx);
      await sql`insert into items values ('after-read', ${seen})`.execute(trx);
    });
    const single = sql`insert into items values ('single', 0)`.execute(second.db);
    let settled = false;
    void Promise.allSettled([reader, single]).then(() => {
      settled = true;
    });
    // Many turns of the event loop pass while the lock is held: the waiters neither fail nor block it.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await Promise.all([holder, reader, single]);
    expect(await count(first.db)).toBe(3);
    const row = await sql<{ seen: number }>`select seen from items where name = 'after-read'`.execute(
      first.db,
    );
    // The reading transaction began after the holder committed, so it saw the holder's row.
    expect(row.rows[0]!.seen).toBeGreaterThanOrEqual(1);
  });

  it('still reports real errors at once, and classifies busy errors', async () => {
    await expect(sql`insert into items values ('held', 0)`.execute(second.db)).rejects.toThrow(/UNIQUE/);
    expect(isSqliteBusy(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(true);
    expect(isSqliteBusy({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe(true);
    expect(isSqliteBusy({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(false);
    expect(isSqliteBusy(null)).toBe(false);
  });
});
