import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import { saveModel } from '@flowline/model-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

let dir: string;
let uri: string;
let experimentId: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-evaluate-'));
  uri = `sqlite:///${join(dir, 'store.db')}`;
  // Artifacts stay in the temporary folder: every run goes to an experiment rooted there.
  const tracker = new Tracker({ trackingUri: uri, env: {} });
  try {
    experimentId = await (await tracker.store()).createExperiment({
      name: 'eval',
      artifactLocation: join(dir, 'artifacts'),
    });
  } finally {
    await tracker.close();
  }
  // A classifier that says 1 above 0.5, with x as the probability of 1; and a regressor that doubles x.
  await writeFile(
    join(dir, 'threshold.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => ({ label: r.x > 0.5 ? 1 : 0, probability: r.x })); } }',
  );
  await writeFile(
    join(dir, 'double.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => 2 * r.x); } }',
  );
  await writeFile(join(dir, 'points.csv'), 'x,label\n0.1,0\n0.6,0\n0.8,1\n0.4,1\n0.9,1\n0.3,0\n');
  await writeFile(join(dir, 'line.jsonl'), '{"x":1,"y":2}\n{"x":2,"y":5}\n{"x":3,"y":6}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flowline = (args: string[]) =>
  runCli(args, { cwd: dir, env: { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_ID: experimentId } });

describe('flowline evaluate', { timeout: 120_000 }, () => {
  it('evaluates a logged model by its models:/ URI and logs a classifier evaluation', async () => {
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    let modelUri: string;
    try {
      await tracker.startRun({ experimentId });
      modelUri = (await tracker.logModel({ code: join(dir, 'threshold.mjs') }, 'model')).modelUri;
      await tracker.endRun();
    } finally {
      await tracker.close();
    }
    expect(modelUri).toMatch(/^models:\/m-/);
    const out = await flowline([
      '--json',
      'evaluate',
      '-m',
      modelUri,
      '-d',
      'points.csv',
      '--model-type',
      'classifier',
      '--targets',
      'label',
      '--experiment-name',
      'eval',
    ]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    // 2×2 confusion: [[2, 1], [1, 2]]; positives scored 0.8, 0.4, 0.9 beat 8 of 9 negative pairs.
    expect(result.metrics.accuracy_score).toBeCloseTo(4 / 6, 12);
    expect(result.metrics.precision_score).toBeCloseTo(2 / 3, 12);
    expect(result.metrics.roc_auc).toBeCloseTo(8 / 9, 12);
    expect(result.artifacts.confusion_matrix).toBe(`runs:/${result.run_id}/confusion_matrix.png`);

    const { run } = JSON.parse(
      (await flowline(['--json', 'runs', 'describe', '--run-id', result.run_id])).stdout,
    );
    expect(run.data.metrics.map((m: { key: string }) => m.key)).toContain('f1_score');
    expect(run.inputs.dataset_inputs[0].dataset).toMatchObject({ name: 'points', source_type: 'local' });

    // Again on the dataset that run logged.
    const again = await flowline([
      '--json',
      'evaluate',
      '-m',
      modelUri,
      '-d',
      `runs:/${result.run_id}`,
      '--model-type',
      'classifier',
      '--targets',
      'label',
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).metrics.roc_auc).toBeCloseTo(8 / 9, 12);
  });

  it('evaluates a model folder into an existing run and prints a table', async () => {
    await saveModel({ path: join(dir, 'double'), custom: { code: join(dir, 'double.mjs') } });
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    let runId: string;
    try {
      runId = (await tracker.startRun({ experimentId })).info.runId;
      await tracker.endRun();
    } finally {
      await tracker.close();
    }
    const out = await flowline([
      'evaluate',
      '-m',
      join(dir, 'double'),
      '-d',
      'line.jsonl',
      '--model-type',
      'regressor',
      '--targets',
      'y',
      '--run-id',
      runId,
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Evaluation logged to run ${runId}.`);
    // Predictions 2, 4, 6 for 2, 5, 6: errors 0, 1, 0.
    expect(out.stdout).toMatch(/mean_absolute_error\s*│?\s*0\.333333/);
    expect(out.stdout).toMatch(/max_error\s*│?\s*1\b/);
  });

  it('scores precomputed predictions and refuses a classifier without targets', async () => {
    await writeFile(join(dir, 'answers.csv'), 'question,answer,given\nq1,yes,yes\nq2,no,yes\n');
    const ok = await flowline([
      '--json',
      'evaluate',
      '-d',
      'answers.csv',
      '--model-type',
      'question-answering',
      '--targets',
      'answer',
      '--predictions',
      'given',
    ]);
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result.metrics['exact_match/v1']).toBe(0.5);
    expect(Object.keys(result.metrics).filter((k) => k.endsWith('/mean'))).toEqual([
      'flesch_kincaid_grade_level/v1/mean',
      'ari_grade_level/v1/mean',
    ]);
    const table = await flowline([
      'artifacts',
      'download',
      '--run-id',
      result.run_id,
      '--artifact-path',
      'eval_results_table.json',
      '--dst-path',
      join(dir, 'dl'),
    ]);
    expect(table.code).toBe(0);
    const stored = JSON.parse(await readFile(join(dir, 'dl', 'eval_results_table.json'), 'utf8'));
    expect(stored.columns).toEqual([
      'question',
      'answer',
      'given',
      'token_count',
      'flesch_kincaid_grade_level/v1/score',
      'ari_grade_level/v1/score',
    ]);

    const bad = await flowline([
      'evaluate',
      '-d',
      'answers.csv',
      '--model-type',
      'classifier',
      '--predictions',
      'given',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('The targets argument must be specified for classifier models.');
  });
});
