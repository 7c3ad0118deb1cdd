import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { logModel } from '@flowline/model-format';
import { SqlRegistryStore } from '@flowline/registry';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveModel } from './helpers.js';

let dir: string;
let env: Record<string, string>;
let registry: SqlRegistryStore;

const flowline = (args: string[], input?: string) => runCli(args, { env, cwd: dir }, input);
const serve = (uri: string, extra: string[] = []) => serveModel(uri, { env, cwd: dir }, extra);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-models-'));
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  env = { MLFLOW_TRACKING_URI: uri };
  const tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: join(dir, 'artifacts') });
  registry = await SqlRegistryStore.open(uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  const repositories = createArtifactRegistry();
  for (const offset of [0, 100]) {
    await writeFile(
      join(dir, `adder-${offset}.mjs`),
      `export default class Adder { predict(_c, rows) { return rows.map((r) => r.x + ${offset}); } }`,
    );
    const run = await tracking.createRun({});
    await logModel({
      artifactPath: 'model',
      runId: run.info.runId,
      store: tracking,
      artifacts: repositories.resolve(run.info.artifactUri),
      custom: { code: join(dir, `adder-${offset}.mjs`) },
      inputExample: [{ x: 1.5 }],
      registeredModelName: 'adder',
      registry,
    });
  }
  await registry.setRegisteredModelAlias('adder', 'champion', '1');
  await tracking.close();
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('flowline models', () => {
  it('serves by alias; after the alias moves, a restarted server answers with the new version', async () => {
    const body = JSON.stringify({ dataframe_records: [{ x: 1 }, { x: 2 }] });
    const call = (url: string) =>
      fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then((r) => r.json());
    const first = await serve('models:/adder@champion');
    expect(await (await fetch(`${first.url}/ping`)).text()).toBe('\n');
    expect(await call(first.url)).toEqual({ predictions: [1, 2] });
    expect(await first.stop()).toBe(0);
    await registry.setRegisteredModelAlias('adder', 'champion', '2');
    const second = await serve('models:/adder@champion');
    expect(await call(second.url)).toEqual({ predictions: [101, 102] });
    expect(await second.stop()).toBe(0);
  });

  it('serves with --workers 2 (node:cluster) and rejects --workers 0', async () => {
    const server = await serve('models:/adder/1', ['--workers', '2']);
    const listening = server
      .logs()
      .split('\n')
      .filter((line) => line.includes('"msg":"worker listening"'));
    expect(listening).toHaveLength(2);
    expect(await (await fetch(`${server.url}/ping`)).text()).toBe('\n');
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${server.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_records: [{ x: i }] }),
      });
      expect(await res.json()).toEqual({ predictions: [i] });
    }
    expect(await server.stop()).toBe(0);
    for (const bad of ['0', '-1', 'two']) {
      const result = await flowline(['models', 'serve', '-m', 'models:/adder/1', '--workers', bad]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/workers must be a positive whole number/);
    }
  });

  it('scores files with models predict, as JSON or CSV, to stdout or a file', async () => {
    const json = await flowline(
      ['models', 'predict', '-m', 'models:/adder/1'],
      JSON.stringify({ dataframe_split: { columns: ['x'], data: [[5]] } }),
    );
    expect(JSON.parse(json.stdout)).toEqual({ predictions: [5] });
    await writeFile(join(dir, 'in.csv'), 'x\n1\n2\n');
    const out = join(dir, 'out.json');
    expect(
      (
        await flowline([
          'models',
          'predict',
          '-m',
          'models:/adder/2',
          '-i',
          join(dir, 'in.csv'),
          '-t',
          'csv',
          '-o',
          out,
        ])
      ).code,
    ).toBe(0);
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ predictions: [101, 102] });
    const bad = await flowline(
      ['models', 'predict', '-m', 'models:/adder/1'],
      JSON.stringify({ dataframe_records: [{ x: 'nope' }] }),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/column x/);
    expect(
      (await flowline(['models', 'predict', '-m', 'models:/adder@missing'], '{"inputs": {"x": [1]}}')).code,
    ).toBe(3);
  });
});
