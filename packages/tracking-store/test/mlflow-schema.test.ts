import { listColumns, migrateToLatest, type OpenDatabase, openDatabase } from '@flowline/db';
import { createMlflowSchema, SHARED_TABLES, storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

async function emptyDatabase(target: ReturnType<typeof storeTargets>[number]) {
  if (target.name === 'postgres') {
    const { createTestDatabase } = await import('@flowline/testkit');
    return createTestDatabase({ template: false });
  }
  return target.createDatabase();
}

for (const target of storeTargets()) {
  describe(`MLflow schema on ${target.name}`, () => {
    const drops: Array<() => Promise<void>> = [];
    let ours: OpenDatabase;
    let theirs: OpenDatabase;

    beforeAll(async () => {
      const a = await emptyDatabase(target);
      const b = await emptyDatabase(target);
      drops.push(a.drop, b.drop);
      ours = await openDatabase(a.uri);
      theirs = await openDatabase(b.uri);
      await migrateToLatest(ours.db, ours.dialect);
      await createMlflowSchema(theirs.db, theirs.dialect);
    });

    afterAll(async () => {
      await ours?.close();
      await theirs?.close();
      for (const drop of drops) await drop();
    });

    it.each(SHARED_TABLES)('creates %s column for column as MLflow does', async (table) => {
      const mine = await listColumns(ours.db, ours.dialect, table);
      const reference = await listColumns(theirs.db, theirs.dialect, table);
      expect(reference.length).toBeGreaterThan(0);
      expect(mine).toEqual(reference);
    });

    it("creates MLflow's own indexes on the shared tables", async () => {
      const indexNames = async (db: OpenDatabase) => {
        const { sql } = await import('kysely');
        const query =
          db.dialect === 'sqlite'
            ? sql<{
                name: string;
              }>`select name from sqlite_master where type = 'index' and name like 'index_%'`
            : sql<{
                name: string;
              }>`select indexname as name from pg_indexes where schemaname = current_schema() and indexname like 'index_%'`;
        return (await query.execute(db.db)).rows.map((r) => r.name).sort();
      };
      expect(await indexNames(ours)).toEqual(await indexNames(theirs));
    });

    it('is idempotent: migrating again applies nothing', async () => {
      const report = await migrateToLatest(ours.db, ours.dialect);
      expect(report.applied).toEqual([]);
    });
  });
}
