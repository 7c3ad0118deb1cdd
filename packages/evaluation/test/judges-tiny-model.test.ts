import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import { type LoadedModel, loadModel, saveModel } from '@flowline/model-format';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatEndpoint,
  correctness,
  evaluateWithJudges,
  safety,
  verdictResponseFormat,
} from '../src/index.js';

// A real local judge: the testkit's tiny onnx_genai decoder (with JSON's symbols in its vocabulary, so
// constrained decoding can write the verdict), behind a minimal chat completions route.
let dir: string;
let model: LoadedModel;
let server: Server;
let judge: ChatEndpoint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-tiny-judge-'));
  const source = await writeModelFiles(
    join(dir, 'files'),
    createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 1024, symbols: true }).files,
  );
  await saveModel({ path: join(dir, 'judge'), onnxGenai: { source } });
  model = await loadModel(join(dir, 'judge'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      try {
        const answer = await model.predict(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } catch (error) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  judge = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    model: 'tiny-judge',
    // A tiny model's rationale would run to max_tokens: this schema (the judges' own, with a length cap) ends it.
    params: { max_tokens: 120, response_format: verdictResponseFormat({ rationaleMaxLength: 40 }) },
  };
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a tiny local model as the judge', () => {
  it('answers every verdict as yes/no JSON with a rationale, deterministically', async () => {
    const data = [
      { inputs: 'capital of france', outputs: 'paris', expectations: { expected_response: 'paris' } },
      { inputs: 'two plus two', outputs: 'five', expectations: { expected_response: 'four' } },
    ];
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const experimentId = await (await tracker.store()).createExperiment({
      name: 'tiny-judge',
      artifactLocation: join(dir, 'artifacts'),
    });
    const run = () =>
      evaluateWithJudges({
        tracker,
        experimentId,
        data,
        scorers: [correctness({ model: judge }), safety({ model: judge })],
      });
    const first = await run();
    const feedback = first.rows.flatMap((r) => r.feedback);
    expect(feedback.map((f) => f.error)).toEqual([undefined, undefined, undefined, undefined]);
    for (const f of feedback) {
      expect(['yes', 'no']).toContain(f.value);
      expect(f.rationale.length).toBeGreaterThan(0);
      expect(f.rationale.length).toBeLessThanOrEqual(40);
    }
    const yes = (name: string) =>
      feedback.filter((f) => f.name === name).map((f): number => (f.value === 'yes' ? 1 : 0));
    expect(first.metrics['correctness/mean']).toBe(yes('correctness').reduce((a, b) => a + b, 0) / 2);
    const second = await run();
    expect(second.rows.flatMap((r) => r.feedback.map((f) => f.value))).toEqual(feedback.map((f) => f.value));
    expect(Object.keys(first.metrics).sort()).toEqual(['correctness/mean', 'safety/mean']);
    await tracker.close();
  });
});
