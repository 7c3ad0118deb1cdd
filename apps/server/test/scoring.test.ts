import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer } from '../src/index.js';

let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-scoring-'));
  await writeFile(
    join(dir, 'model.mjs'),
    `export default class Doubler {
      predict(_ctx, rows, params) {
        if (rows.some((r) => r.x === 13)) throw new Error('unlucky input');
        // An MlflowError from another copy of core (matched by brand): a server fault stays a 5xx.
        if (rows.some((r) => r.x === 500))
          throw Object.assign(new Error('store is down'), { isMlflowError: true, errorCode: 'TEMPORARILY_UNAVAILABLE' });
        return rows.map((r) => r.x * 2 * (params?.factor ?? 1) + (r.label ? 1000 : 0));
      }
    }`,
  );
  await saveModel({
    path: join(dir, 'model'),
    custom: { code: join(dir, 'model.mjs') },
    signature: {
      inputs: {
        kind: 'columns',
        columns: [
          { name: 'x', type: 'double', required: true },
          { name: 'label', type: 'boolean', required: false },
        ],
      },
      params: [{ name: 'factor', type: 'double', default: 1, shape: null }],
    },
  });
  app = await buildScoringServer({ model: await loadModel(join(dir, 'model')) });
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const invoke = (payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/invocations', payload, headers: { 'content-type': contentType } });

describe('scoring server', () => {
  it('answers /ping, /health and /version', async () => {
    expect((await app.inject({ method: 'GET', url: '/ping' })).body).toBe('\n');
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/version' })).body).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    ['dataframe_split', { dataframe_split: { columns: ['x'], data: [[1], [2.5]] } }],
    [
      'dataframe_split with index',
      { dataframe_split: { index: [0, 1], columns: ['x'], data: [[1], [2.5]] } },
    ],
    ['dataframe_records', { dataframe_records: [{ x: 1 }, { x: 2.5 }] }],
    ['instances', { instances: [{ x: 1 }, { x: 2.5 }] }],
    ['inputs (columnar)', { inputs: { x: [1, 2.5] } }],
  ])('takes %s and answers {"predictions": …}', async (_name, body) => {
    const res = await invoke(JSON.stringify(body));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ predictions: [2, 5] });
  });

  it('passes params, and takes CSV with a header', async () => {
    expect(
      (await invoke(JSON.stringify({ dataframe_records: [{ x: 3 }], params: { factor: 10 } }))).json(),
    ).toEqual({ predictions: [60] });
    const csv = await invoke('x,label\n1,True\n2,false\n', 'text/csv');
    expect(csv.json()).toEqual({ predictions: [1002, 4] });
    expect((await invoke('{"inputs": {"x": [1]}}', 'application/json; charset=utf-8')).statusCode).toBe(200);
  });

  it("refuses bad requests with MLflow's errors: 415 for other types, 400 JSON for bad bodies and inputs", async () => {
    const wrongType = await invoke('x=1', 'application/x-www-form-urlencoded');
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.headers['content-type']).toMatch(/text\/plain/);
    expect((await invoke('{}', 'application/json; charset=latin-1')).statusCode).toBe(415);
    const old = await invoke(JSON.stringify({ columns: ['x'], data: [[1]] }));
    expect(old.statusCode).toBe(400);
    expect(old.json()).toMatchObject({
      error_code: 'BAD_REQUEST',
      message: expect.stringMatching(/scoring protocol has changed in MLflow version 2\.0/),
    });
    expect((await invoke(JSON.stringify({ inputs: {}, instances: [] }))).json().error_code).toBe(
      'BAD_REQUEST',
    );
    expect((await invoke('{not json')).json().message).toMatch(/valid JSON/);
    const schema = await invoke(JSON.stringify({ dataframe_records: [{ x: 'one' }] }));
    expect(schema.statusCode).toBe(400);
    expect(schema.json()).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/column x/),
    });
    expect(
      (await invoke(JSON.stringify({ dataframe_records: [{ x: 1 }], params: { unknown: 1 } }))).json()
        .message,
    ).toMatch(/Unrecognized params/);
    const failing = await invoke(JSON.stringify({ dataframe_records: [{ x: 13 }] }));
    expect(failing.statusCode).toBe(400);
    expect(failing.json()).toMatchObject({
      error_code: 'BAD_REQUEST',
      message: expect.stringMatching(/unlucky input/),
    });
    // The stack names server paths: it is logged, and sent only with `stackTraces` (below).
    expect(failing.json()).not.toHaveProperty('stack_trace');
    const fault = await invoke(JSON.stringify({ dataframe_records: [{ x: 500 }] }));
    expect(fault.statusCode).toBe(503);
    expect(fault.json()).toEqual({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'store is down' });
    expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
  });
});

describe('scoring errors', () => {
  /** A scoring server whose log lines are collected. */
  async function logged(stackTraces?: boolean) {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const server = await buildScoringServer({
      model: await loadModel(join(dir, 'model')),
      logger,
      stackTraces,
    });
    const failing = await server.inject({
      method: 'POST',
      url: '/invocations',
      payload: JSON.stringify({ dataframe_records: [{ x: 13 }] }),
      headers: { 'content-type': 'application/json' },
    });
    await server.close();
    return { failing, log: lines.join('') };
  }

  it('logs the stack trace and sends only the message by default', async () => {
    const { failing, log } = await logged();
    expect(failing.statusCode).toBe(400);
    expect(failing.json()).toEqual({
      error_code: 'BAD_REQUEST',
      message: expect.stringMatching(/unlucky input/),
    });
    expect(failing.body).not.toContain('model.mjs');
    expect(log).toMatch(/prediction failed/);
    expect(log).toMatch(/"stack":"Error: unlucky input[^"]*model\.mjs/);
  });

  it('sends the stack trace too when stack traces are turned on, as MLflow does', async () => {
    const { failing, log } = await logged(true);
    expect(failing.json()).toMatchObject({
      error_code: 'BAD_REQUEST',
      message: expect.stringMatching(/unlucky input/),
      stack_trace: expect.stringMatching(/unlucky input[\s\S]*model\.mjs/),
    });
    expect(log).toMatch(/prediction failed/);
  });
});
