import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { logModel } from '@flowline/model-format';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveModel } from './helpers.js';

// A remote model is downloaded to a temporary folder; the CLI closes the model when it is done with it,
// so nothing is left behind. The CLI runs with its own TMPDIR, so only its folders are counted.

let dir: string;
let env: Record<string, string>;
let modelUri: string;

const leftovers = async () =>
  (await readdir(join(dir, 'tmp'))).filter((name) => name.startsWith('flowline-load-'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-cleanup-'));
  await mkdir(join(dir, 'tmp'));
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  env = { MLFLOW_TRACKING_URI: uri, TMPDIR: join(dir, 'tmp') };
  const tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: join(dir, 'artifacts') });
  await writeFile(
    join(dir, 'double.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => 2 * r.x); } }',
  );
  const run = await tracking.createRun({});
  const logged = await logModel({
    artifactPath: 'model',
    runId: run.info.runId,
    store: tracking,
    artifacts: createArtifactRegistry().resolve(run.info.artifactUri),
    custom: { code: join(dir, 'double.mjs') },
  });
  modelUri = logged.modelUri;
  await tracking.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('remote models leave no temporary copies', () => {
  it('models predict removes its download', async () => {
    const result = await runCli(
      ['models', 'predict', '-m', modelUri],
      { env, cwd: dir },
      '{"inputs": [{"x": 2}]}',
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ predictions: [4] });
    expect(await leftovers()).toEqual([]);
  });

  it('models serve -w 2 removes each worker’s download on SIGTERM', async () => {
    const server = await serveModel(modelUri, { env, cwd: dir }, ['-w', '2']);
    const answer = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": [{"x": 5}]}',
    });
    expect(await answer.json()).toEqual({ predictions: [10] });
    expect(await leftovers()).toHaveLength(2);
    expect(await server.stop()).toBe(0);
    expect(await leftovers()).toEqual([]);
  });

  it('a missing local model path is named as given, with no temporary folder in the message', async () => {
    const result = await runCli(['models', 'predict', '-m', 'no/such/model'], { env, cwd: dir }, '{}');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/No model folder at 'no\/such\/model': the path does not exist/);
    expect(result.stderr).not.toMatch(/flowline-load-/);
  });
});
