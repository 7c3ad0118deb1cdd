import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localPathOf } from '@flowline/artifact-store';
import { isMlflowError, parseLoggedModelUri } from '@flowline/core';
import { SqlRegistryStore } from '@flowline/registry';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';

let dir: string;
let tracking: SqlTrackingStore;
let registry: SqlRegistryStore;
let modelId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-models-uri-logged-'));
  tracking = await SqlTrackingStore.open(`sqlite:///${join(dir, 'mlflow.db')}`);
  registry = await SqlRegistryStore.create(tracking.database, { sources: { loggedModels: tracking } });
  const experimentId = await tracking.createExperiment({
    name: 'logged',
    artifactLocation: join(dir, 'artifacts'),
  });
  const created = await tracking.createLoggedModel({ experimentId, name: 'doubler' });
  modelId = created.modelId;
  await writeFile(
    join(dir, 'doubler.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => r.v * 2); } }',
  );
  // The files of a logged model live at its artifact location, as MLflow 3 writes them.
  await saveModel({
    path: localPathOf(created.artifactLocation),
    custom: { code: join(dir, 'doubler.mjs') },
  });
  await tracking.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');
});
afterAll(async () => {
  await registry.close();
  await tracking.close();
  await rm(dir, { recursive: true, force: true });
});

describe('parseLoggedModelUri', () => {
  it('reads a single segment as a model id, and a path only after an m-<32 hex> id', () => {
    const id = `m-${'a'.repeat(32)}`;
    expect(parseLoggedModelUri(`models:/${id}`)).toEqual({ modelId: id, path: '' });
    expect(parseLoggedModelUri(`models:/${id}/`)).toEqual({ modelId: id, path: '' });
    expect(parseLoggedModelUri(`models:/${id}/data/x.bin`)).toEqual({ modelId: id, path: 'data/x.bin' });
    expect(parseLoggedModelUri('models:/m-123')).toEqual({ modelId: 'm-123', path: '' });
    expect(parseLoggedModelUri('models:/tripler/1')).toBeNull();
    expect(parseLoggedModelUri('models:/tripler@champion')).toBeNull();
    expect(parseLoggedModelUri('runs:/abc/model')).toBeNull();
  });
});

describe('loadModel with models:/<model_id>', () => {
  it("loads the logged model's files from its artifact location through the tracking store", async () => {
    const model = await loadModel(`models:/${modelId}`, { store: tracking });
    expect(await model.predict([{ v: 4 }])).toEqual([8]);
    await model.close();
  });

  it('loads a registered version whose source is models:/<model_id>', async () => {
    await registry.createRegisteredModel({ name: 'doubler' });
    const version = await registry.createModelVersion({ name: 'doubler', source: `models:/${modelId}` });
    const model = await loadModel(`models:/doubler/${version.version}`, { store: tracking, registry });
    expect(await model.predict([{ v: 5 }])).toEqual([10]);
    await model.close();
  });

  it('refuses a model id URI without a tracking store, and an unknown id as not found', async () => {
    const missing = await loadModel(`models:/${modelId}`).catch((e: unknown) => e);
    expect(isMlflowError(missing) && missing.message).toMatch(/needs a tracking store with logged models/);
    const unknown = await loadModel(`models:/m-${'0'.repeat(32)}`, { store: tracking }).catch(
      (e: unknown) => e,
    );
    expect(isMlflowError(unknown) && unknown.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
