import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import type { TraceStore } from '@flowline/core';
import { uniqueName } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateFeedback,
  type ChatEndpoint,
  correctness,
  evaluateWithJudges,
  fillTemplate,
  guidelines,
  makeJudge,
  parseVerdict,
  relevanceToQuery,
  retrievalGroundedness,
  safety,
  scorer,
} from '../src/index.js';

let dir: string;
let tracker: Tracker;
let experimentId: string;
let server: Server;
let judge: ChatEndpoint;
const prompts: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-judges-'));
  tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
  experimentId = await (await tracker.store()).createExperiment({
    name: uniqueName('judges'),
    artifactLocation: join(dir, 'artifacts'),
  });
  // A stand-in judge: "yes" when the prompt holds the word GOOD, else "no"; a fenced reply for FENCE.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const prompt: string = JSON.parse(body).messages.at(-1).content;
      prompts.push(prompt);
      const verdict = JSON.stringify({
        rationale: `Let's think step by step. The text ${prompt.includes('GOOD') ? 'has' : 'lacks'} GOOD.`,
        result: prompt.includes('GOOD') ? 'Yes' : 'no',
      });
      const content = prompt.includes('FENCE') ? `\`\`\`json\n${verdict}\n\`\`\`` : verdict;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  judge = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    model: 'stand-in-judge',
  };
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await tracker.close();
  await rm(dir, { recursive: true, force: true });
});

describe('judge prompts and replies', () => {
  it('fills templates and reads verdicts, fenced or not', () => {
    expect(
      fillTemplate('Q {{ inputs }} A {{outputs}} E {{ expectations.expected_response }} {{ other }}', {
        inputs: { q: 1 },
        outputs: 'x',
        expectations: { expected_response: 'y' },
      }),
    ).toBe('Q {"q":1} A x E y {{ other }}');
    expect(
      parseVerdict('```json\n{"rationale": "Let\'s think step by step. ok", "result": "YES"}\n```'),
    ).toEqual({
      value: 'yes',
      rationale: 'ok',
    });
    expect(() => parseVerdict('no json here')).toThrow(/Failed to parse the response from the judge model/);
  });

  it('refuses custom instructions without a template field', () => {
    expect(() => makeJudge({ name: 'x', instructions: 'Is it good?', model: judge })).toThrow(
      /at least one of/,
    );
  });

  it('averages yes/no, booleans and numbers by name, skipping errors and other strings', () => {
    expect(
      aggregateFeedback([
        { name: 'a', value: 'yes', rationale: '', source: 'j' },
        { name: 'a', value: 'no', rationale: '', source: 'j' },
        { name: 'a', value: 'YES', rationale: '', source: 'j' },
        { name: 'a', value: null, rationale: '', source: 'j', error: 'failed' },
        { name: 'b', value: true, rationale: '', source: 'code' },
        { name: 'b', value: 0.5, rationale: '', source: 'code' },
        { name: 'c', value: 'maybe', rationale: '', source: 'j' },
      ]),
    ).toEqual({ 'a/mean': 2 / 3, 'b/mean': 0.75 });
  });
});

describe('evaluateWithJudges', () => {
  it('runs built-in, custom and code judges, logs <name>/mean and records assessments on traces', async () => {
    const store = (await tracker.store()) as unknown as TraceStore;
    const traceId = `tr-${Date.now().toString(16)}`;
    await store.startTrace({ traceId, experimentId, requestTime: Date.now(), state: 'OK' });
    const data = [
      {
        inputs: { question: 'capital of France?' },
        outputs: 'Paris GOOD',
        expectations: { expected_response: 'Paris' },
        context: 'France: capital Paris.',
        traceId,
      },
      {
        inputs: { question: 'capital of Spain?' },
        outputs: 'Lisbon',
        expectations: { expected_response: 'Madrid' },
      },
      // No expectations: correctness cannot judge this row (an error, left out of the mean).
      { inputs: { question: 'FENCE say hi' }, outputs: 'hi GOOD', context: 'greetings' },
    ];
    const result = await evaluateWithJudges({
      data,
      scorers: [
        correctness({ model: judge }),
        relevanceToQuery({ model: judge }),
        retrievalGroundedness({ model: judge }),
        safety({ model: judge }),
        guidelines({ model: judge, guidelines: ['Answer in English.', 'Be brief.'] }),
        makeJudge({ name: 'polite', instructions: 'Is this answer polite? {{ outputs }}', model: judge }),
        scorer('short', ({ outputs }) => String(outputs).length < 10),
      ],
      tracker,
      experimentId,
    });
    // Rows 1 and 3 hold GOOD (yes), row 2 does not (no); correctness skips row 3; groundedness skips row 2 (no context).
    expect(result.metrics).toEqual({
      'correctness/mean': 0.5,
      'relevance_to_query/mean': 2 / 3,
      'retrieval_groundedness/mean': 1,
      'safety/mean': 2 / 3,
      'guidelines/mean': 2 / 3,
      'polite/mean': 2 / 3,
      // 'Paris GOOD' has 10 characters: not short.
      'short/mean': 2 / 3,
    });
    const first = result.rows[0]!.feedback.find((f) => f.name === 'correctness')!;
    expect(first).toMatchObject({ value: 'yes', rationale: 'The text has GOOD.', source: 'stand-in-judge' });
    expect(result.rows[2]!.feedback.find((f) => f.name === 'correctness')!.error).toMatch(
      /expected_response/,
    );
    // The prompts carry the row: question, answer, expectation, guidelines, context.
    const correctnessPrompt = prompts.find((p) => p.includes('capital of Spain') && p.includes('Madrid'))!;
    expect(correctnessPrompt).toContain('Lisbon');
    expect(prompts.some((p) => p.includes('Guideline: Be brief.'))).toBe(true);
    expect(prompts.some((p) => p.includes('France: capital Paris.'))).toBe(true);

    const run = await tracker.store().then((s) => s.getRun(result.runId));
    expect(Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]))['correctness/mean']).toBe(0.5);
    expect(result.table.columns.slice(0, 5)).toEqual([
      'inputs',
      'outputs',
      'expectations',
      'correctness/value',
      'correctness/rationale',
    ]);
    // One assessment per scorer on the traced row, from the run.
    expect(result.assessments).toBe(7);
    const info = await store.getTraceInfo(traceId);
    const byName = Object.fromEntries(info.assessments.map((a) => [a.name, a]));
    expect(byName.correctness).toMatchObject({
      feedback: { value: 'yes' },
      rationale: 'The text has GOOD.',
      source: { sourceType: 'LLM_JUDGE', sourceId: 'stand-in-judge' },
      runId: result.runId,
      metadata: { 'mlflow.assessment.sourceRunId': result.runId },
    });
    expect(byName.short).toMatchObject({ feedback: { value: false }, source: { sourceType: 'CODE' } });
  });

  it('computes outputs with predictFn', async () => {
    const result = await evaluateWithJudges({
      data: [{ inputs: 'a' }, { inputs: 'b' }],
      predictFn: (inputs) => (inputs === 'a' ? 'GOOD' : 'bad'),
      scorers: [safety({ model: judge })],
      tracker,
      experimentId,
    });
    expect(result.rows.map((r) => r.outputs)).toEqual(['GOOD', 'bad']);
    expect(result.metrics).toEqual({ 'safety/mean': 0.5 });
  });
});
