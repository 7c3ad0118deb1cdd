import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MlflowFileStoreFixture, writeMlflowFileStore } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliOptions, runCli } from './helpers.js';

let dir: string;
let fixture: MlflowFileStoreFixture;
let options: CliOptions;
const flowline = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { ...options, env: { ...options.env, ...env } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-filestore-'));
  fixture = await writeMlflowFileStore(join(dir, 'mlruns'));
  options = { cwd: dir, env: { MLFLOW_TRACKING_URI: '', MLFLOW_BACKEND_STORE_URI: '' } };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flowline db import-filestore', () => {
  it('imports ./mlruns into a database, prints counts as JSON, and can run again', async () => {
    const first = await flowline([
      'db',
      'import-filestore',
      './mlruns',
      '--to',
      'sqlite:///flowline.db',
      '--json',
    ]);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({
      source: fixture.root,
      target: 'sqlite:///flowline.db',
      counts: {
        experiments: 5,
        experiment_tags: 3,
        runs: 5,
        params: 4,
        tags: 6,
        metrics: 8,
        latest_metrics: 4,
        datasets: 1,
        inputs: 1,
        input_tags: 1,
        registered_models: 2,
        registered_model_tags: 1,
        model_versions: 3,
        model_version_tags: 1,
        registered_model_aliases: 1,
      },
      renumbered_experiments: [
        { file_store_id: fixture.trashedTwinId, experiment_id: '3' },
        { name: 'big-id', file_store_id: fixture.bigExperimentId, experiment_id: '4' },
      ],
    });
    // No progress bar without a terminal, and with --json nothing but the JSON.
    expect(first.stderr).toBe('');

    const again = await flowline(['db', 'import-filestore', './mlruns', '--to', 'sqlite:///flowline.db']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Imported .*mlruns into sqlite:\/\/\/flowline\.db:/);
    expect(again.stdout).toMatch(/model_versions\s*│?\s*3/);
    expect(again.stdout).toMatch(/flowline server --backend-store-uri sqlite:\/\/\/flowline\.db/);
    expect(again.stderr).toMatch(/^warning: Experiment 987654321098765432 \('fraud-detection', deleted\)/m);

    const experiments = await flowline([
      'experiments',
      'search',
      '-v',
      'all',
      '--tracking-uri',
      'sqlite:///flowline.db',
      '--json',
    ]);
    expect(experiments.code).toBe(0);
    const names = JSON.parse(experiments.stdout).experiments.map((e: { name: string }) => e.name);
    expect(names.sort()).toEqual(
      [
        'Default',
        'big-id',
        'fraud-detection',
        `fraud-detection (file store id ${fixture.trashedTwinId})`,
        'old-experiment',
      ].sort(),
    );
    const run = await flowline(['runs', 'describe', '--run-id', fixture.runs.baseline, '--json'], {
      MLFLOW_TRACKING_URI: 'sqlite:///flowline.db',
    });
    expect(JSON.parse(run.stdout).run.data.params).toContainEqual({ key: 'model/depth', value: '6' });
  });

  it('exits 6 on a corrupt file store, 3 on a missing folder and 2 on a folder that is no file store', async () => {
    const broken = join(dir, 'broken');
    await cp(fixture.root, broken, { recursive: true });
    await writeFile(join(broken, '1', 'meta.yaml'), 'name: "unterminated\n');
    const corrupt = await flowline([
      'db',
      'import-filestore',
      broken,
      '--to',
      'sqlite:///broken.db',
      '--json',
    ]);
    expect(corrupt.code).toBe(6);
    expect(JSON.parse(corrupt.stderr)).toEqual({
      error_code: 'DATA_LOSS',
      message: expect.stringContaining(
        `Cannot import ${join(broken, '1', 'meta.yaml')}: it is not valid YAML`,
      ),
    });
    // The database it would have created is not left behind.
    expect(existsSync(join(dir, 'broken.db'))).toBe(false);
    const missing = await flowline(['db', 'import-filestore', './nowhere', '--to', 'sqlite:///broken.db']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/No such folder: .*nowhere/);

    const plain = await flowline(['db', 'import-filestore', tmpdir(), '--to', 'sqlite:///x.db']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/is not an MLflow file store/);
    const noTarget = await flowline(['db', 'import-filestore', './mlruns']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--to/);
    expect((await flowline(['db', 'import-filestore', '--help'])).code).toBe(0);
  });
});

describe('pointing Flowline at a file store', () => {
  const hint =
    /'(.*mlruns.*)' is an MLflow file store .* `flowline db import-filestore \1 --to sqlite:\/\/\/flowline\.db`, then use sqlite:\/\/\/flowline\.db/;

  it('flowline server --backend-store-uri ./mlruns says how to import it', async () => {
    const server = await flowline(['server', '--backend-store-uri', './mlruns', '-p', '0']);
    expect(server.code).toBe(2);
    expect(server.stderr).toMatch(hint);
    const fromEnv = await flowline(['server', '-p', '0'], {
      MLFLOW_BACKEND_STORE_URI: pathToFileURL(fixture.root).href,
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(hint);
  });

  it('so do commands given it as the tracking URI, and db upgrade', async () => {
    const search = await flowline(['experiments', 'search', '--tracking-uri', './mlruns']);
    expect(search.code).toBe(2);
    expect(search.stderr).toMatch(hint);
    const list = await flowline(['runs', 'list', '--experiment-id', '0', '--json'], {
      MLFLOW_TRACKING_URI: fixture.root,
    });
    expect(list.code).toBe(2);
    expect(JSON.parse(list.stderr)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    const upgrade = await flowline(['db', 'upgrade', 'file:./mlruns']);
    expect(upgrade.code).toBe(2);
    expect(upgrade.stderr).toMatch(hint);
  });
});
