import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMlflowError, type ModelVersion, type RegistryStore } from '@flowline/core';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createArtifactRegistry,
  createArtifactResolver,
  LocalArtifactRepository,
  SubArtifactRepository,
  storeLookups,
} from '../src/index.js';

let dir: string;
let tracking: SqlTrackingStore;
let registry: RegistryStore;
let runId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-resolver-'));
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: join(dir, 'artifacts') });
  const run = await tracking.createRun({});
  runId = run.info.runId;
  await new LocalArtifactRepository(run.info.artifactUri).logArtifact(
    await writeText('MLmodel', 'flavors: {}\n'),
    'model',
  );
  // The registry's lookups this resolver uses (model-format's tests run it over SqlRegistryStore).
  const version = { name: 'm', version: '1', source: `runs:/${runId}/model` } as ModelVersion;
  registry = {
    getModelVersion: async (name: string, v: string) =>
      name === 'm' && v === '1' ? version : Promise.reject(new Error('no such version')),
    searchModelVersions: async () => ({ items: [version] }),
  } as unknown as RegistryStore;
});
afterAll(async () => {
  await tracking.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeText(name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

const resolver = () => createArtifactResolver(storeLookups({ store: tracking, registry }));

describe('createArtifactResolver', () => {
  it('resolves runs:/ to the run root and a normalised path inside it', async () => {
    const { repository, path, uri } = await resolver().resolve(`runs:/${runId}/model/./x/../MLmodel`);
    const root = (await tracking.getRun(runId)).info.artifactUri;
    expect(repository.uri).toBe(root);
    expect(path).toBe('model/MLmodel');
    expect(uri).toBe(`${root}/model/MLmodel`);
    const opened = await resolver().open(`runs:/${runId}/model`);
    expect((await opened.listArtifacts()).map((f) => f.path)).toEqual(['MLmodel']);
  });

  it("refuses a runs:/ path that climbs above the run's root, with INVALID_PARAMETER_VALUE", async () => {
    const refused = await resolver()
      .resolve(`runs:/${runId}/model/../../other-run`)
      .catch((e: unknown) => e);
    expect(isMlflowError(refused) && refused.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((refused as Error).message).toMatch(/'\.\.' leads above the run's artifact root/);
  });

  it('resolves models:/ through the registry to the version source, then through the run', async () => {
    for (const uri of ['models:/m/1', 'models:/m/latest']) {
      const opened = await resolver().open(uri);
      expect((await opened.listArtifacts()).map((f) => f.path)).toEqual(['MLmodel']);
    }
    const { path } = await resolver().resolve('models:/m/1/MLmodel');
    expect(path).toBe('model/MLmodel');
  });

  it('opens a registry given as a function on the first models:/ URI only', async () => {
    let opened = 0;
    const lazy = createArtifactResolver(
      storeLookups({
        store: tracking,
        registry: async () => {
          opened++;
          return registry;
        },
      }),
    );
    await lazy.resolve(`runs:/${runId}/model`);
    expect(opened).toBe(0);
    await lazy.resolve('models:/m/1');
    await lazy.resolve('models:/m/1');
    expect(opened).toBe(1);
  });

  it('picks other URIs by scheme, and says what is missing for runs:/ and models:/', async () => {
    const local = await createArtifactResolver().resolve(`file://${join(dir, 'with%20space')}`);
    expect(local).toMatchObject({ path: '', repository: { root: join(dir, 'with space') } });
    await expect(createArtifactResolver().resolve(`runs:/${runId}/m`)).rejects.toThrow(
      /needs a tracking store/,
    );
    await expect(createArtifactResolver().resolve('models:/m/1')).rejects.toThrow(/needs a model registry/);
  });

  it('uses a scheme registered on the registry, as the server does for mlflow-artifacts:', async () => {
    const destination = new LocalArtifactRepository(join(dir, 'proxy'));
    const repositories = createArtifactRegistry().register(
      'mlflow-artifacts',
      (uri) => new SubArtifactRepository(destination, uri.replace(/^mlflow-artifacts:\/*/, ''), uri),
    );
    const { repository } = await createArtifactResolver({ repositories }).resolve('mlflow-artifacts:/1/abc');
    expect(repository.uri).toBe('mlflow-artifacts:/1/abc');
  });
});
