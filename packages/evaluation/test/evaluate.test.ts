import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import { saveModel } from '@flowline/model-format';
import { uniqueName } from '@flowline/testkit';
import { openTrackingStore } from '@flowline/tracking-store';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVALUATION_RESULTS_TABLE, evaluate, type ResultsTable } from '../src/index.js';

let dir: string;
let uri: string;
let tracker: Tracker;
let experimentId: string;
let classifierRunId = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-evaluate-'));
  uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  tracker = new Tracker({ trackingUri: uri, env: {} });
  experimentId = await (await tracker.store()).createExperiment({
    name: uniqueName('evaluate'),
    artifactLocation: join(dir, 'artifacts'),
  });
});
afterAll(async () => {
  await tracker.close();
  await rm(dir, { recursive: true, force: true });
});

async function readArtifact(runId: string, path: string): Promise<Buffer> {
  const local = await tracker.downloadArtifacts({
    runId,
    artifactPath: path,
    dstPath: await mkdtemp(join(dir, 'dl-')),
  });
  return readFile(local);
}

describe('evaluate on a SQLite tracking store', () => {
  it('logs a classifier: MLflow metric names, plots as PNGs, and the dataset as an input', async () => {
    const csv = join(dir, 'iris.csv');
    await writeFile(csv, 'x,label\n0.1,0\n0.6,0\n0.8,1\n0.4,1\n0.9,1\n0.3,0\n');
    // The model predicts 1 above 0.5 and gives x as the positive probability.
    const model = (rows: Array<Record<string, unknown>>) =>
      rows.map((r) => ({ label: Number(r.x) > 0.5 ? 1 : 0, probability: Number(r.x) }));
    const result = await evaluate({
      model,
      data: csv,
      modelType: 'classifier',
      targets: 'label',
      tracker,
      experimentId,
    });
    classifierRunId = result.runId;

    expect(result.metrics).toMatchObject({
      example_count: 6,
      accuracy_score: 4 / 6,
      true_positives: 2,
      true_negatives: 2,
      false_positives: 1,
      false_negatives: 1,
    });
    expect(result.metrics.roc_auc).toBeCloseTo(8 / 9, 12);
    expect(Object.keys(result.artifacts).sort()).toEqual([
      'confusion_matrix',
      'precision_recall_curve_plot',
      'roc_curve_plot',
    ]);
    expect(result.tables).toEqual({});

    // Read back through a separate store on the same database.
    const store = await openTrackingStore(uri);
    try {
      const run = await store.getRun(result.runId);
      expect(run.info.status).toBe('FINISHED');
      const logged = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
      expect(logged.accuracy_score).toBeCloseTo(4 / 6, 12);
      expect(logged.f1_score).toBeCloseTo(2 / 3, 12);
      expect(logged.precision_recall_auc).toBeCloseTo((1 + 1 + 3 / 4) / 3, 12);
      const inputs = run.inputs?.datasetInputs ?? [];
      expect(inputs).toHaveLength(1);
      const dataset = inputs[0]!.dataset;
      expect(dataset.name).toBe('iris');
      expect(dataset.digest).toMatch(/^[0-9a-f]{8}$/);
      expect(dataset.sourceType).toBe('local');
      expect(JSON.parse(dataset.source).uri).toMatch(/^file:\/\/.*iris\.csv$/);
      expect(JSON.parse(dataset.schema!)).toEqual({
        mlflow_colspec: [
          { type: 'double', name: 'x', required: true },
          { type: 'long', name: 'label', required: true },
        ],
      });
      expect(JSON.parse(dataset.profile!)).toEqual({ num_rows: 6, num_elements: 12 });
    } finally {
      await store.close();
    }
    for (const file of ['confusion_matrix.png', 'roc_curve_plot.png', 'precision_recall_curve_plot.png']) {
      const png = PNG.sync.read(await readArtifact(result.runId, file));
      expect(png.width).toBe(640);
      let ink = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i] !== 255) ink++;
      expect(ink).toBeGreaterThan(1000);
    }
  });

  it('evaluates on the dataset another run logged, and names what is missing', async () => {
    const result = await evaluate({
      data: { runId: classifierRunId },
      predictions: 'label',
      modelType: 'classifier',
      targets: 'label',
      tracker,
      experimentId,
    });
    expect(result.metrics.accuracy_score).toBe(1);
    const run = await (await tracker.store()).getRun(result.runId);
    expect(run.inputs?.datasetInputs[0]?.dataset.name).toBe('iris');
    await expect(
      evaluate({
        data: { runId: classifierRunId, name: 'other' },
        predictions: 'label',
        modelType: 'text',
        tracker,
      }),
    ).rejects.toThrow(`Run ${classifierRunId} has no dataset input named 'other'.`);
  });

  it('logs a regressor from JSONL into a given run, and refuses a missing target', async () => {
    const jsonl = join(dir, 'houses.jsonl');
    await writeFile(
      jsonl,
      ['{"x":3,"y":3}', '{"x":-0.5,"y":-0.5}', '{"x":2,"y":2}', '{"x":7,"y":7}', ''].join('\n'),
    );
    const run = await tracker.startRun({ experimentId });
    const shift = [-0.5, 0.5, 0, 1];
    const result = await evaluate({
      model: (rows) => rows.map((r, i) => Number(r.x) + shift[i]!),
      data: jsonl,
      modelType: 'regressor',
      targets: 'y',
      tracker,
    });
    await tracker.endRun();
    expect(result.runId).toBe(run.info.runId);
    expect(result.metrics.mean_absolute_error).toBeCloseTo(0.5, 12);
    expect(result.metrics.mean_squared_error).toBeCloseTo(0.375, 12);
    expect(result.metrics.r2_score).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    expect(result.metrics.max_error).toBe(1);
    expect(Object.keys(result.metrics).sort()).toEqual(
      [
        'example_count',
        'max_error',
        'mean_absolute_error',
        'mean_absolute_percentage_error',
        'mean_on_target',
        'mean_squared_error',
        'r2_score',
        'root_mean_squared_error',
        'sum_on_target',
      ].sort(),
    );
    await expect(evaluate({ model: () => [], data: jsonl, modelType: 'regressor', tracker })).rejects.toThrow(
      'The targets argument must be specified for regressor models.',
    );
  });

  it('evaluates a saved custom JS model by its URI, with question-answering metrics, latency and the results table', async () => {
    const code = join(dir, 'upper.mjs');
    await writeFile(
      code,
      'export default class { predict(_c, rows) { return rows.map((r) => String(r.question).toUpperCase()); } }',
    );
    const modelPath = join(dir, 'upper-model');
    await saveModel({ path: modelPath, custom: { code } });
    const result = await evaluate({
      model: modelPath,
      data: [
        { question: 'a b', answer: 'A B' },
        { question: 'c', answer: 'd' },
      ],
      modelType: 'question-answering',
      targets: 'answer',
      extraMetrics: ['latency'],
      tracker,
      experimentId,
    });
    expect(result.metrics['exact_match/v1']).toBe(0.5);
    expect(result.metrics['latency/mean']).toBeGreaterThanOrEqual(0);
    expect(Object.keys(result.metrics).sort()).toEqual([
      'ari_grade_level/v1/mean',
      'ari_grade_level/v1/p90',
      'ari_grade_level/v1/variance',
      'exact_match/v1',
      'flesch_kincaid_grade_level/v1/mean',
      'flesch_kincaid_grade_level/v1/p90',
      'flesch_kincaid_grade_level/v1/variance',
      'latency/mean',
      'latency/p90',
      'latency/variance',
    ]);
    // 'A B' and 'C': one sentence each, one syllable and one character a word.
    // Flesch-Kincaid 0.39·w/s + 11.8·syl/w − 15.59; ARI 4.71·chars/w + 0.5·w/s − 21.43.
    expect(result.metrics['flesch_kincaid_grade_level/v1/mean']).toBeCloseTo((-3.0 + -3.4) / 2, 12);
    expect(result.metrics['ari_grade_level/v1/mean']).toBeCloseTo((-15.7 + -16.2) / 2, 12);
    const table = result.tables.eval_results_table!;
    expect(table.columns).toEqual([
      'question',
      'answer',
      'outputs',
      'token_count',
      'flesch_kincaid_grade_level/v1/score',
      'ari_grade_level/v1/score',
      'latency',
    ]);
    expect(table.data.map((row) => row.slice(0, 4))).toEqual([
      ['a b', 'A B', 'A B', 2],
      ['c', 'd', 'C', 1],
    ]);
    const stored = JSON.parse((await readArtifact(result.runId, EVALUATION_RESULTS_TABLE)).toString('utf8'));
    expect(stored).toEqual(table);
    const run = await (await tracker.store()).getRun(result.runId);
    const tag = run.data.tags.find((t) => t.key === 'mlflow.loggedArtifacts')?.value;
    expect(JSON.parse(tag!)).toEqual([{ path: EVALUATION_RESULTS_TABLE, type: 'table' }]);
    expect(run.inputs?.datasetInputs[0]?.dataset).toMatchObject({ name: 'dataset', sourceType: 'code' });
  });
});

describe('evaluate against an OpenAI-compatible endpoint', () => {
  let server: Server;
  let baseUrl: string;
  const requests: Array<{ model: string; messages: Array<{ role: string; content: string }> }> = [];

  beforeAll(async () => {
    // A stand-in chat completions server: it answers "the <last word of the question>".
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        if (req.url !== '/v1/chat/completions') {
          res.writeHead(404).end();
          return;
        }
        const request = JSON.parse(body);
        requests.push(request);
        const question: string = request.messages.at(-1).content;
        const content = `the ${question.split(' ').at(-1)}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('summarizes row by row and logs ROUGE per row and aggregated', async () => {
    const data = [
      { inputs: 'what sat on the mat', reference: 'the cat sat on the mat' },
      { inputs: 'who barked dog', reference: 'the dog' },
    ];
    const result = await evaluate({
      model: { baseUrl, model: 'stand-in', systemPrompt: 'Answer briefly.' },
      data,
      modelType: 'text-summarization',
      targets: 'reference',
      tracker,
      experimentId,
    });
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      model: 'stand-in',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'what sat on the mat' },
      ],
    });
    // Row 1: "the mat" vs "the cat sat on the mat": 2 of 2 unigrams shared (P 1, R 2/6); its one bigram
    // "the mat" is the reference's last of 5 (P 1, R 1/5).
    // Row 2: "the dog" equals the reference.
    const r1 = [(2 * 1 * (2 / 6)) / (1 + 2 / 6), 1];
    const table = result.tables.eval_results_table as ResultsTable;
    const column = (name: string) => table.data.map((row) => row[table.columns.indexOf(name)]);
    expect(column('outputs')).toEqual(['the mat', 'the dog']);
    expect(column('rouge1/v1/score')).toEqual(r1.map((v) => expect.closeTo(v, 12)));
    expect(column('rouge2/v1/score')).toEqual([expect.closeTo((2 * 0.2) / 1.2, 12), 1]);
    expect(result.metrics['rouge1/v1/mean']).toBeCloseTo((r1[0]! + 1) / 2, 12);
    expect(result.metrics['rouge1/v1/variance']).toBeCloseTo(((1 - r1[0]!) / 2) ** 2, 12);
    // p90 of two values: the lower one plus 0.9 of the gap.
    expect(result.metrics['rouge2/v1/p90']).toBeCloseTo(1 / 3 + 0.9 * (2 / 3), 12);
    expect(Object.keys(result.metrics).filter((k) => k.startsWith('rougeL'))).toEqual([
      'rougeL/v1/mean',
      'rougeL/v1/variance',
      'rougeL/v1/p90',
      'rougeLsum/v1/mean',
      'rougeLsum/v1/variance',
      'rougeLsum/v1/p90',
    ]);
  });

  it('says what failed when the endpoint answers an error', async () => {
    await expect(
      evaluate({
        model: { baseUrl: `${baseUrl}/nope`, model: 'x' },
        data: [{ inputs: 'q' }],
        modelType: 'text',
        tracker,
      }),
    ).rejects.toThrow(/answered 404/);
  });
});
