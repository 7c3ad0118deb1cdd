import { createSteppingClock } from '@flowline/core';
import { openDatabase } from '@flowline/db';
import {
  countRows,
  createMlflowSchema,
  createTestDatabase,
  describeSchema,
  type MlflowSchemaVariant,
  type SchemaDescription,
  type StoreTarget,
  seedMlflowRows,
  storeTargets,
} from '@flowline/testkit';
import { afterEach } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';

// Databases as MLflow leaves them, for the tests that check Flowline reads and writes MLflow's own tables.

/** How a test file removes what a test created, after each test (last in, first out). */
export type Cleanups = Array<() => Promise<void>>;

/** A cleanup list run after each test of the calling file; call it once, at the file's top level. */
export function useCleanups(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return cleanups;
}

/** A database no Flowline migration has touched (on Postgres, not cloned from the migrated template). */
export async function emptyDatabase(
  target: StoreTarget | StoreTarget['name'],
  cleanups: Cleanups,
): Promise<{ uri: string }> {
  const name = typeof target === 'string' ? target : target.name;
  const database =
    name === 'postgres'
      ? await createTestDatabase({ template: false })
      : await storeTargets()
          .find((t) => t.name === name)!
          .createDatabase();
  cleanups.push(database.drop);
  return database;
}

/**
 * A database MLflow made: its DDL and seeded rows (`SEEDED`), with the row counts and schema it had before
 * Flowline opened it.
 */
export async function mlflowDatabase(
  target: StoreTarget | StoreTarget['name'],
  cleanups: Cleanups,
  variant: MlflowSchemaVariant = 'current',
): Promise<{ uri: string; before: Record<string, number>; schema: SchemaDescription }> {
  const database = await emptyDatabase(target, cleanups);
  const raw = await openDatabase(database.uri);
  await createMlflowSchema(raw.db, raw.dialect, variant);
  await seedMlflowRows(raw.db, raw.dialect, variant);
  const before = await countRows(raw.db);
  const schema = await describeSchema(raw.db, raw.dialect);
  await raw.close();
  return { uri: database.uri, before, schema };
}

/** The schema MLflow's own DDL makes (no rows), described on a scratch database of `target`. */
export async function describeMlflowSchema(
  target: StoreTarget,
  cleanups: Cleanups,
): Promise<SchemaDescription> {
  const database = await emptyDatabase(target, cleanups);
  const reference = await openDatabase(database.uri);
  try {
    await createMlflowSchema(reference.db, reference.dialect);
    return await describeSchema(reference.db, reference.dialect);
  } finally {
    await reference.close();
  }
}

/**
 * The schema of a new Flowline database after `write` used it (Flowline's own tables left out), beside the
 * schema MLflow's DDL makes, for tests that writing leaves MLflow's schema as it was.
 */
export async function schemasAfterWriting(
  target: StoreTarget,
  cleanups: Cleanups,
  write: (store: SqlTrackingStore, runId: string) => Promise<unknown>,
): Promise<{ ours: SchemaDescription; theirs: SchemaDescription }> {
  const theirs = await describeMlflowSchema(target, cleanups);
  const database = await target.createDatabase();
  cleanups.push(database.drop);
  const store = await SqlTrackingStore.open(database.uri);
  cleanups.push(() => store.close());
  const run = await store.createRun({ experimentId: '0' });
  await write(store, run.info.runId);
  const ours = await describeSchema(store.database.db, store.database.dialect, { ignore: /^flowline_/ });
  return { ours, theirs };
}

/**
 * A store on a new migrated database of `target`, with a stepping clock (from 1_700_000_000_000, 10 ms a
 * read) and `/tmp/flowline-artifacts` as its artifact root; `close` closes the store and drops the database.
 */
export async function openSteppingStore(
  target: StoreTarget,
): Promise<{ store: SqlTrackingStore; close(): Promise<void> }> {
  const database = await target.createDatabase();
  const store = await SqlTrackingStore.open(database.uri, {
    defaultArtifactRoot: '/tmp/flowline-artifacts',
    clock: createSteppingClock(1_700_000_000_000, 10),
  });
  return {
    store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}
