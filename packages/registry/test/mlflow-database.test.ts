import { openDatabase } from '@flowline/db';
import {
  countRows,
  createMlflowSchema,
  createTestDatabase,
  SEEDED,
  seedMlflowRows,
  storeTargets,
} from '@flowline/testkit';
import { expect, it } from 'vitest';
import { SqlRegistryStore } from '../src/index.js';

for (const target of storeTargets()) {
  it(`keeps an MLflow database's registry on ${target.name}: reads it, adds to it, loses nothing`, async () => {
    const database =
      target.name === 'postgres'
        ? await createTestDatabase({ template: false })
        : await target.createDatabase();
    const raw = await openDatabase(database.uri);
    await createMlflowSchema(raw.db, raw.dialect);
    await seedMlflowRows(raw.db, raw.dialect);
    const before = await countRows(raw.db);
    await raw.close();
    const registry = await SqlRegistryStore.open(database.uri);
    const model = await registry.getRegisteredModel('fraud');
    expect(model.latestVersions).toEqual([
      expect.objectContaining({ version: '1', currentStage: 'Production', runId: SEEDED.runId }),
    ]);
    expect(
      (
        await registry.createModelVersion({
          name: 'fraud',
          source: `runs:/${SEEDED.runId}/model`,
          runId: SEEDED.runId,
        })
      ).version,
    ).toBe('2');
    await registry.close();
    const check = await openDatabase(database.uri);
    const after = await countRows(check.db);
    await check.close();
    expect(after.model_versions).toBe(before.model_versions! + 1);
    expect({ ...after, model_versions: before.model_versions }).toEqual(before);
    await database.drop();
  });
}
