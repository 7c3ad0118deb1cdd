import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tracker } from '@flowline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let dir: string;
let env: Record<string, string>;

function flowline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, cwd: dir },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-registry-'));
  env = { MLFLOW_TRACKING_URI: `sqlite:///${join(dir, 'mlflow.db')}` };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flowline registered-models and model-versions (against a store URI)', () => {
  it('registers versions of a logged model, stages and aliases them, and downloads through models:/', async () => {
    const tracker = new Tracker({ trackingUri: env.MLFLOW_TRACKING_URI, env: {} });
    const store = await tracker.store();
    const expId = await store.createExperiment({
      name: 'cli-registry',
      artifactLocation: join(dir, 'artifacts'),
    });
    const run = await tracker.startRun({ experimentId: expId });
    await tracker.logText('the weights', 'model/weights.txt');
    await tracker.endRun();
    await tracker.close();

    expect((await flowline(['registered-models', 'create', '-n', 'cli-model', '-d', 'demo'])).code).toBe(0);
    expect((await flowline(['registered-models', 'create', '-n', 'cli-model'])).code).toBe(4);
    const v1 = JSON.parse(
      (
        await flowline([
          'model-versions',
          'create',
          '-n',
          'cli-model',
          '-s',
          `runs:/${run.info.runId}/model`,
          '--json',
        ])
      ).stdout,
    );
    expect(v1.model_version).toMatchObject({ version: '1', run_id: run.info.runId });
    expect((await flowline(['model-versions', 'create', '-n', 'cli-model', '-s', '/etc'])).code).toBe(2);
    expect(
      (await flowline(['model-versions', 'transition', '-n', 'cli-model', '-v', '1', '-s', 'production']))
        .stdout,
    ).toMatch(/now in Production/);
    expect(
      (await flowline(['registered-models', 'set-alias', '-n', 'cli-model', '-a', 'champion', '-v', '1']))
        .stdout,
    ).toContain('models:/cli-model@champion → version 1');
    const described = await flowline(['registered-models', 'describe', '-n', 'cli-model']);
    expect(described.stdout).toMatch(/champion → v1/);
    expect(described.stdout).toMatch(/Production/);
    const listed = JSON.parse((await flowline(['registered-models', 'list', '--json'])).stdout);
    expect(listed.registered_models.map((m: { name: string }) => m.name)).toEqual(['cli-model']);
    const out = join(dir, 'out');
    const file = (
      await flowline(['artifacts', 'download', '-u', 'models:/cli-model@champion/weights.txt', '-d', out])
    ).stdout.trim();
    expect(await readFile(file, 'utf8')).toBe('the weights');
    const folder = (
      await flowline(['artifacts', 'download', '-u', 'models:/cli-model/Production', '-d', join(dir, 'out2')])
    ).stdout.trim();
    expect(await readFile(join(folder, 'weights.txt'), 'utf8')).toBe('the weights');
    expect((await flowline(['model-versions', 'describe', '-n', 'cli-model', '-v', '7'])).code).toBe(3);
    expect((await flowline(['registered-models', 'delete', '-n', 'cli-model'])).code).toBe(0);
  });
});
