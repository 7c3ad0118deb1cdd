import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveModel } from './helpers.js';

let dir: string;
let env: Record<string, string>;
let modelId: string;

const flowline = (args: string[], input?: string) => runCli(args, { env, cwd: dir }, input);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-logged-models-'));
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  env = { MLFLOW_TRACKING_URI: uri };
  await writeFile(
    join(dir, 'adder.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => r.x + 10); } }',
  );
  // Logged as MLflow 3 does: a logged model, registered from models:/<model_id>.
  const tracker = new Tracker({ trackingUri: uri, env: {} });
  const store = await tracker.store();
  const experimentId = await store.createExperiment({
    name: 'cli',
    artifactLocation: join(dir, 'artifacts'),
  });
  await tracker.startRun({ experimentId });
  const info = await tracker.logModel({ code: join(dir, 'adder.mjs') }, 'model', {
    inputExample: [{ x: 1 }],
    registeredModelName: 'adder',
  });
  await tracker.endRun();
  await tracker.close();
  modelId = info.modelId!;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flowline models with models:/<model_id>', () => {
  it('predicts with a logged model by id, and through a version registered from it', async () => {
    const input = JSON.stringify({ dataframe_records: [{ x: 1 }, { x: 2 }] });
    for (const uri of [`models:/${modelId}`, 'models:/adder/1']) {
      const result = await flowline(['models', 'predict', '-m', uri], input);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ predictions: [11, 12] });
    }
  });

  it('serves a logged model by id', async () => {
    const server = await serveModel(`models:/${modelId}`, { env, cwd: dir });
    const res = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataframe_records: [{ x: 5 }] }),
    });
    expect(await res.json()).toEqual({ predictions: [15] });
    expect(await server.stop()).toBe(0);
  });
});
