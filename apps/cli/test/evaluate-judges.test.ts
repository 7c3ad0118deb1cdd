import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import { verdictResponseFormat } from '@flowline/evaluation';
import { saveModel } from '@flowline/model-format';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveModel } from './helpers.js';

// Judges end to end: the testkit's tiny onnx_genai decoder served by `flowline models serve` is the judge
// (its vocabulary has JSON's symbols, so the judges' structured output constrains it to a verdict), and
// `flowline evaluate --scorers …` judges a JSONL file against it, logging to a SQLite store.
let dir: string;
let uri: string;
let experimentId: string;
let judge: Awaited<ReturnType<typeof serveModel>>;

// A tiny model's rationale would run to max_tokens: the judges' schema with a length cap ends it.
const VERDICT = JSON.stringify(verdictResponseFormat({ rationaleMaxLength: 40 }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-judges-'));
  uri = `sqlite:///${join(dir, 'store.db')}`;
  const tracker = new Tracker({ trackingUri: uri, env: {} });
  try {
    experimentId = await (await tracker.store()).createExperiment({
      name: 'judged',
      artifactLocation: join(dir, 'artifacts'),
    });
  } finally {
    await tracker.close();
  }
  const source = await writeModelFiles(
    join(dir, 'judge-files'),
    createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 1024, symbols: true }).files,
  );
  await saveModel({ path: join(dir, 'judge'), onnxGenai: { source } });
  judge = await serveModel(join(dir, 'judge'), { env: {}, cwd: dir }, ['--served-model-name', 'tiny-judge']);
  await writeFile(
    join(dir, 'qa.jsonl'),
    [
      { inputs: 'capital of france', answer: 'paris', truth: 'paris' },
      { inputs: 'two plus two', answer: 'five', truth: 'four' },
      { inputs: 'color of the sky', answer: 'blue', truth: 'blue' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  await writeFile(join(dir, 'brevity.txt'), 'Is this answer short? {{ outputs }}');
  await writeFile(
    join(dir, 'answerer.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => "it is " + r.inputs); } }',
  );
  await saveModel({ path: join(dir, 'answerer'), custom: { code: join(dir, 'answerer.mjs') } });
}, 120_000);
afterAll(async () => {
  await judge?.stop();
  await rm(dir, { recursive: true, force: true });
});

const flowline = (args: string[]) =>
  runCli(args, { cwd: dir, env: { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_ID: experimentId } });

const judgeFlags = () => [
  '--judge-endpoint',
  `${judge.url}/v1`,
  '--judge-model',
  'tiny-judge',
  '--judge-param',
  'max_tokens=120',
  '--judge-param',
  `response_format=${VERDICT}`,
];

interface Table {
  columns: string[];
  data: unknown[][];
}

async function loggedTable(runId: string): Promise<Table> {
  const tracker = new Tracker({ trackingUri: uri, env: {} });
  try {
    const path = await tracker.downloadArtifacts({
      runId,
      artifactPath: 'eval_results_table.json',
      dstPath: join(dir, `table-${runId}`),
    });
    return JSON.parse(await readFile(path, 'utf8')) as Table;
  } finally {
    await tracker.close();
  }
}

describe('flowline evaluate with LLM judges served by flowline models serve', { timeout: 180_000 }, () => {
  it('judges given answers with built-in and custom judges, logging scores, rationales and aggregates', async () => {
    const args = [
      '--json',
      'evaluate',
      '-d',
      'qa.jsonl',
      '--predictions',
      'answer',
      '--targets',
      'truth',
      '--scorers',
      'correctness,safety,guidelines',
      '--guidelines',
      'Answer in English.',
      '--judge',
      'brevity=brevity.txt',
      ...judgeFlags(),
    ];
    const out = await flowline(args);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.rows).toBe(3);
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.metrics).sort()).toEqual([
      'brevity/mean',
      'correctness/mean',
      'guidelines/mean',
      'safety/mean',
    ]);

    const table = await loggedTable(result.run_id);
    expect(table.columns.slice(0, 3)).toEqual(['inputs', 'outputs', 'expectations']);
    expect(table.data.map((row) => row[1])).toEqual(['paris', 'five', 'blue']);
    expect(table.data[1]![2]).toEqual({ expected_response: 'four' });
    for (const name of ['correctness', 'safety', 'guidelines', 'brevity']) {
      const value = table.columns.indexOf(`${name}/value`);
      const rationale = table.columns.indexOf(`${name}/rationale`);
      const values = table.data.map((row) => row[value]);
      for (const v of values) expect(['yes', 'no']).toContain(v);
      for (const row of table.data) expect(String(row[rationale]).length).toBeGreaterThan(0);
      // The aggregate is the share of yes verdicts in the logged table.
      const yes = values.filter((v) => v === 'yes').length;
      expect(result.metrics[`${name}/mean`]).toBeCloseTo(yes / 3, 12);
    }

    const { run } = JSON.parse(
      (await flowline(['--json', 'runs', 'describe', '--run-id', result.run_id])).stdout,
    );
    expect(run.inputs.dataset_inputs.map((i: { dataset: { name: string } }) => i.dataset.name)).toEqual([
      'qa',
    ]);
    expect(run.info.status).toBe('FINISHED');

    // The served judge decodes greedily: the same command gives the same verdicts.
    const again = JSON.parse((await flowline(args)).stdout);
    expect(again.metrics).toEqual(result.metrics);
  });

  it('computes the answers with a model URI, traces each call and records the verdicts on the traces', async () => {
    const out = await flowline([
      '--json',
      'evaluate',
      '-m',
      join(dir, 'answerer'),
      '-d',
      'qa.jsonl',
      '--targets',
      'truth',
      '--scorers',
      'relevance_to_query',
      ...judgeFlags(),
    ]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.errors).toEqual([]);
    const table = await loggedTable(result.run_id);
    expect(table.data.map((row) => row[1])).toEqual([
      'it is capital of france',
      'it is two plus two',
      'it is color of the sky',
    ]);
    expect(result.assessments).toBe(3);
    // Each predict call is a trace of the run, carrying its verdict as an LLM_JUDGE assessment.
    const tracker = new Tracker({ trackingUri: uri, env: {} });
    try {
      const store = (await tracker.store()) as unknown as import('@flowline/core').TraceStore;
      const page = await store.searchTraces({
        experimentIds: [experimentId],
        filter: `metadata.mlflow.sourceRun = '${result.run_id}'`,
      });
      expect(page.items).toHaveLength(3);
      for (const info of page.items) {
        const full = await store.getTraceInfo(info.traceId);
        expect(full.assessments.map((a) => [a.name, a.source.sourceType])).toEqual([
          ['relevance_to_query', 'LLM_JUDGE'],
        ]);
      }
    } finally {
      await tracker.close();
    }
  });

  it('says what is missing: no judge model, no answers, no model type', async () => {
    const noJudge = await flowline([
      'evaluate',
      '-d',
      'qa.jsonl',
      '--predictions',
      'answer',
      '--scorers',
      'safety',
    ]);
    expect(noJudge.code).not.toBe(0);
    expect(noJudge.stderr).toMatch(/--judge-endpoint <url> and --judge-model/);
    const noAnswers = await flowline(['evaluate', '-d', 'qa.jsonl', '--scorers', 'safety', ...judgeFlags()]);
    expect(noAnswers.stderr).toMatch(/or --predictions with the column that holds them/);
    const neither = await flowline(['evaluate', '-d', 'qa.jsonl', '--predictions', 'answer']);
    expect(neither.stderr).toMatch(/Give --model-type/);
    const unknown = await flowline(['evaluate', '-d', 'qa.jsonl', '--scorers', 'toxicity']);
    expect(unknown.stderr).toMatch(/unknown scorer toxicity/);
  });
});
