import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMlflowError } from '@flowline/core';
import { createMlpModel } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, logModel, saveModel } from '../src/index.js';

let dir: string;
let tracking: SqlTrackingStore;
let runId: string;
const savedTmp = process.env.TMPDIR;

/** The temporary folders loadModel left behind (this file's own temp folder, so other tests do not count). */
const leftovers = async () =>
  (await readdir(join(dir, 'tmp'))).filter((name) => name.startsWith('flowline-load-'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-model-loading-'));
  await mkdir(join(dir, 'tmp'));
  // Downloads go under TMPDIR (os.tmpdir()); a private one makes the count this file's alone.
  process.env.TMPDIR = join(dir, 'tmp');
  tracking = await SqlTrackingStore.open(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: join(dir, 'artifacts'),
  });
  runId = (await tracking.createRun({})).info.runId;
  const artifacts = new (await import('@flowline/artifact-store')).LocalArtifactRepository(
    (await tracking.getRun(runId)).info.artifactUri,
  );
  const onnx = { model: createMlpModel({ inputs: 2, hidden: 3, outputs: 1, seed: 3 }).bytes };
  await logModel({ artifactPath: 'net', runId, store: tracking, artifacts, onnx });
  await writeFile(join(dir, 'echo.mjs'), 'export default class { predict(_c, rows) { return rows; } }');
  await logModel({
    artifactPath: 'echo',
    runId,
    store: tracking,
    artifacts,
    custom: { code: join(dir, 'echo.mjs') },
  });
});
afterAll(async () => {
  process.env.TMPDIR = savedTmp;
  await tracking.close();
  await rm(dir, { recursive: true, force: true });
});

describe('loadModel', () => {
  it('downloads a remote model to a temporary folder that close() removes, sessions released', async () => {
    expect(await leftovers()).toEqual([]);
    const models = [];
    for (const uri of [`runs:/${runId}/net`, `runs:/${runId}/echo`, `runs:/${runId}/net`])
      models.push(await loadModel(uri, { store: tracking }));
    expect(await leftovers()).toHaveLength(3);
    expect(await models[0]!.predict([[1, 2]])).toHaveLength(1);
    for (const model of models) await model.close();
    expect(await leftovers()).toEqual([]);
    // Closing twice is fine; a released ONNX session predicts no more.
    await models[0]!.close();
    await expect(models[0]!.predict([[1, 2]])).rejects.toThrow();
  });

  it('removes the download when loading fails', async () => {
    await expect(loadModel(`runs:/${runId}`, { store: tracking })).rejects.toThrow(/MLmodel/);
    expect(await leftovers()).toEqual([]);
  });

  it('says a missing local path does not exist, naming the path the user gave', async () => {
    for (const path of [join(dir, 'no-such-model'), 'relative/no-such-model', `file://${dir}/nothing`]) {
      const error = await loadModel(path).catch((e: unknown) => e);
      expect(isMlflowError(error) && error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((error as Error).message).toContain(`'${path}': the path does not exist`);
      expect((error as Error).message).not.toMatch(/flowline-load-/);
    }
    expect(await leftovers()).toEqual([]);
  });

  it('percent-decodes file:// URIs', async () => {
    // (No '#': vitest's module runner, unlike Node, cannot import code from such a folder.)
    const path = join(dir, 'with space');
    await saveModel({ path, custom: { code: join(dir, 'echo.mjs') } });
    const model = await loadModel(pathToFileURL(path).href);
    expect(model.path).toBe(path);
    expect(await model.predict([1])).toEqual([1]);
    await model.close();
    // A local folder is the user's: close leaves it.
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it("normalises '..' in a runs:/ path and refuses one that climbs above the run's root", async () => {
    const model = await loadModel(`runs:/${runId}/echo/../net/.`, { store: tracking });
    expect(Object.keys(model.metadata.flavors)).toContain('onnx');
    await model.close();
    const error = await loadModel(`runs:/${runId}/net/../../${runId}/net`, { store: tracking }).catch(
      (e: unknown) => e,
    );
    expect(isMlflowError(error) && error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((error as Error).message).toMatch(/leads above the run's artifact root/);
    expect(await leftovers()).toEqual([]);
  });
});
