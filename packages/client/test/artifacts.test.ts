import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openArtifactRepository, Tracker } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-client-artifacts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A 1×1 PNG.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

describe('Tracker artifacts against a local store', () => {
  it('logs text, dicts as JSON and YAML, images, files and folders, then lists and downloads them', async () => {
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const store = await tracker.store();
    const expId = await store.createExperiment({
      name: 'artifacts',
      artifactLocation: join(dir, 'artifacts'),
    });
    const run = await tracker.startRun({ experimentId: expId });
    await tracker.logText('# Report\n', 'reports/summary.md');
    await tracker.logDict({ lr: 0.1, layers: [64, 32] }, 'config/params.json');
    await tracker.logDict({ lr: 0.1, layers: [64, 32] }, 'config/params.yaml');
    await tracker.logImage(PNG, 'plots/pixel.png');
    await writeFile(join(dir, 'weights.bin'), Buffer.alloc(1000, 7));
    await tracker.logArtifact(join(dir, 'weights.bin'), 'model');
    await expect(tracker.logImage(Buffer.from('not a png'), 'bad.png')).rejects.toThrow(/PNG/);

    expect((await tracker.listArtifacts()).map((f) => f.path)).toEqual([
      'config',
      'model',
      'plots',
      'reports',
    ]);
    expect(await tracker.listArtifacts('config')).toEqual([
      { path: 'config/params.json', isDir: false, fileSize: expect.any(Number) },
      { path: 'config/params.yaml', isDir: false, fileSize: expect.any(Number) },
    ]);
    const local = await tracker.downloadArtifacts({ artifactPath: 'config', dstPath: join(dir, 'out') });
    expect(JSON.parse(await readFile(join(local, 'params.json'), 'utf8'))).toEqual({
      lr: 0.1,
      layers: [64, 32],
    });
    expect(await readFile(join(local, 'params.yaml'), 'utf8')).toBe('lr: 0.1\nlayers:\n  - 64\n  - 32\n');
    const png = await tracker.downloadArtifacts({
      artifactUri: `runs:/${run.info.runId}/plots/pixel.png`,
      dstPath: join(dir, 'out2'),
    });
    expect((await readFile(png)).equals(PNG)).toBe(true);
    const byUri = await tracker.downloadArtifacts({
      artifactUri: `${run.info.artifactUri}/model/weights.bin`,
      dstPath: join(dir, 'out3'),
    });
    expect((await readFile(byUri)).length).toBe(1000);
    await tracker.endRun();
    await expect(tracker.listArtifacts()).rejects.toThrow(/No run to read artifacts from/);
    expect((await tracker.listArtifacts('', { runId: run.info.runId })).length).toBe(4);
    await tracker.close();
  });
});

describe('openArtifactRepository', () => {
  it("resolves runs:/ (its '..' normalised, kept inside the run) and models:/ through the artifact store's resolver", async () => {
    const trackingUri = `sqlite:///${join(dir, 'mlflow.db')}`;
    const tracker = new Tracker({ trackingUri, env: {} });
    const store = await tracker.store();
    const expId = await store.createExperiment({ name: 'resolve', artifactLocation: join(dir, 'artifacts') });
    const { runId } = (await tracker.startRun({ experimentId: expId })).info;
    await tracker.logText('flavors: {}\n', 'model/MLmodel');
    const context = { store, trackingUri };
    const files = async (uri: string) =>
      (await (await openArtifactRepository(uri, context)).listArtifacts()).map((f) => f.path);

    expect(await files(`runs:/${runId}/other/../model`)).toEqual(['MLmodel']);
    await expect(openArtifactRepository(`runs:/${runId}/../elsewhere`, context)).rejects.toThrow(
      /leads above the run's artifact root/,
    );
    const registry = await tracker.registry();
    await registry.createRegisteredModel({ name: 'resolved' });
    await registry.createModelVersion({ name: 'resolved', source: `runs:/${runId}/model`, runId });
    // No registry in the context: it is opened from the tracking URI for the models:/ URI.
    expect(await files('models:/resolved/1')).toEqual(['MLmodel']);
    await tracker.endRun();
    await tracker.close();
  });
});
