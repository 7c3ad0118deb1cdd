import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2e, stopE2e } from './e2e-browser.js';
import { type TestServer, writeArtifact } from './e2e-server.js';

// End to end for the trace views: Debian's Chromium against a real server on a loopback port. Traces are
// written as MLflow's clients write them: spans by OTLP/JSON to /v1/traces (with x-mlflow-experiment-id),
// a trace by StartTraceV3, an assessment by CreateAssessment, a link by LinkTracesToRun. Screenshots of
// the traces tab and the trace page, light and dark, go to apps/web/test-artifacts/.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
let runId = '';

const OTEL_TRACE = '5b8efff798038103d269b633813fc60c';
const TRACE_ID = `tr-${OTEL_TRACE}`;
const ROOT = 'eee19b7ec3c1b174';
const RETRIEVE = 'eee19b7ec3c1b175';
const CHAT = 'eee19b7ec3c1b176';
const ERROR_TRACE = 'tr-00000000000000000000000000000e44';
const FAIL_ROOT = '0000000000000f01';
const FAIL_TOOL = '0000000000000f02';

/** Calls the server's REST API at `path` (with its version prefix); throws on an error answer. */
async function rest(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

/** An OTLP/JSON attribute holding a JSON-dumped value, as MLflow's SDKs write span attributes. */
const attr = (key: string, value: unknown) => ({ key, value: { stringValue: JSON.stringify(value) } });

/** The spans of the OK trace: an agent answering with a retriever and an LLM call, times in ms from its start. */
const SPANS = [
  {
    id: ROOT,
    parent: '',
    name: 'answer',
    from: 0,
    to: 1200,
    attributes: {
      'mlflow.spanType': 'AGENT',
      'mlflow.spanInputs': { question: 'What is Flowline?' },
      'mlflow.spanOutputs': 'A TypeScript MLflow',
    },
  },
  {
    id: RETRIEVE,
    parent: ROOT,
    name: 'retrieve',
    from: 100,
    to: 400,
    attributes: {
      'mlflow.spanType': 'RETRIEVER',
      'mlflow.spanInputs': { query: 'Flowline' },
      'mlflow.spanOutputs': [{ page_content: 'Flowline is MLflow in TypeScript' }],
    },
  },
  {
    id: CHAT,
    parent: ROOT,
    name: 'chat',
    from: 450,
    to: 1150,
    attributes: {
      'mlflow.spanType': 'LLM',
      'mlflow.spanInputs': { messages: [{ role: 'user', content: 'What is Flowline?' }] },
      'mlflow.spanOutputs': { choices: [{ message: { role: 'assistant', content: 'A TypeScript MLflow' } }] },
      'mlflow.chat.tokenUsage': { input_tokens: 12, output_tokens: 30, total_tokens: 42 },
    },
  },
];

/** Sends the spans as an OTLP/JSON export to `/v1/traces`, attribute values JSON-dumped as MLflow's SDKs write them. */
async function logTraceSpans(t0: bigint): Promise<void> {
  const ns = (ms: number) => t0 + BigInt(ms) * 1_000_000n;
  const otlp = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'e2e' } }] },
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: SPANS.map((s) => ({
              traceId: OTEL_TRACE,
              spanId: s.id,
              parentSpanId: s.parent,
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(ns(s.from)),
              endTimeUnixNano: String(ns(s.to)),
              attributes: Object.entries(s.attributes).map(([key, value]) => attr(key, value)),
              status: { code: 1 },
            })),
          },
        ],
      },
    ],
  };
  const res = await fetch(`${server.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': experimentId },
    body: JSON.stringify(otlp),
  });
  if (!res.ok) throw new Error(`POST /v1/traces: ${res.status} ${await res.text()}`);
}

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'e2e-traces' })).experiment_id;
  runId = (
    await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: 'traced-run',
      start_time: Date.now(),
    })
  ).run.info.run_id;
  await logTraceSpans(BigInt(Date.now() - 60_000) * 1_000_000n);
  await rest('PATCH', `/api/3.0/mlflow/traces/${TRACE_ID}/tags`, { key: 'env', value: 'prod' });
  await rest('POST', '/api/2.0/mlflow/traces/link-to-run', { trace_ids: [TRACE_ID], run_id: runId });
  await rest('POST', `/api/3.0/mlflow/traces/${TRACE_ID}/assessments`, {
    assessment: {
      assessment_name: 'helpful',
      source: { source_type: 'HUMAN', source_id: 'ana' },
      feedback: { value: true },
      rationale: 'Answers the question',
    },
  });
  // A failed trace, started by StartTraceV3 as MLflow 3's clients do, in the same run by metadata.
  await rest('POST', '/api/3.0/mlflow/traces', {
    trace: {
      trace_info: {
        trace_id: ERROR_TRACE,
        trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
        request_time: new Date(Date.now() - 30_000).toISOString(),
        execution_duration: '0.050s',
        state: 'ERROR',
        request_preview: '{"question": "boom?"}',
        trace_metadata: { 'mlflow.sourceRun': runId },
        tags: { 'mlflow.traceName': 'failing', env: 'dev' },
      },
    },
  });
  // Its spans go where MLflow 3's clients put them without span logging: `traces.json` at the trace's
  // artifact location (a folder here), as MLflow 3 span dicts (base64 ids, JSON-dumped attribute values).
  const info = await (await fetch(`${server.url}/api/3.0/mlflow/traces/${ERROR_TRACE}`)).json();
  const location = info.trace.trace_info.tags['mlflow.artifactLocation'] as string;
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
  const start = (Date.now() - 30_000) * 1_000_000;
  const dict = (id: string, parent: string, name: string, type: string, from: number, to: number) => ({
    trace_id: b64(ERROR_TRACE.slice(3)),
    span_id: b64(id),
    parent_span_id: parent ? b64(parent) : '',
    name,
    start_time_unix_nano: start + from * 1_000_000,
    end_time_unix_nano: start + to * 1_000_000,
    status: { code: 'STATUS_CODE_ERROR', message: 'ValueError: boom' },
    attributes: {
      'mlflow.traceRequestId': JSON.stringify(ERROR_TRACE),
      'mlflow.spanType': JSON.stringify(type),
      'mlflow.spanInputs': JSON.stringify({ question: 'boom?' }),
    },
    events:
      type === 'TOOL'
        ? [
            {
              name: 'exception',
              time_unix_nano: start + to * 1_000_000,
              attributes: { 'exception.message': '"boom"' },
            },
          ]
        : [],
  });
  await writeArtifact(
    location,
    'traces.json',
    JSON.stringify({
      spans: [
        dict(FAIL_ROOT, '', 'failing', 'CHAIN', 0, 50),
        dict(FAIL_TOOL, FAIL_ROOT, 'explode', 'TOOL', 10, 40),
      ],
    }),
  );
}

const shot = (name: string) => screenshot(page, name);

/** The trace ids in the traces table, top to bottom. */
async function traceIds(): Promise<string[]> {
  return page
    .locator('tr[data-trace-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id') ?? ''));
}

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
});
afterAll(() => stopE2e({ browser, page, server }));

describe('trace views end to end', () => {
  it('lists the traces of an experiment in its Traces tab', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.getByRole('link', { name: 'Traces', exact: true }).click();
    await page.waitForURL(`**/experiments/${experimentId}/traces`);
    await expect.poll(traceIds).toEqual(expect.arrayContaining([TRACE_ID, ERROR_TRACE]));
    const row = page.locator(`tr[data-trace-id="${TRACE_ID}"]`);
    const text = await row.textContent();
    const cells = ['answer', '{"question":"What is Flowline?"}', 'A TypeScript MLflow', '1.2s'];
    for (const cell of [...cells, '42 (in 12 / out 30)', 'OK', 'env: prod']) expect(text).toContain(cell);
    await shot('traces-table');
  });

  it("filters with MLflow's trace grammar and shows a refused filter's message", async () => {
    const box = page.getByRole('searchbox', { name: 'Filter traces' });
    await box.fill("trace.status = 'ERROR'");
    await box.press('Enter');
    await expect.poll(traceIds).toEqual([ERROR_TRACE]);
    expect(new URL(page.url()).searchParams.get('q')).toBe("trace.status = 'ERROR'");
    await box.fill("tags.env = 'prod' AND trace.execution_time_ms > 100");
    await box.press('Enter');
    await expect.poll(traceIds).toEqual([TRACE_ID]);
    await box.fill('trace.bogus = 1');
    await box.press('Enter');
    const alert = page.locator('#trace-filter-error');
    await expect.poll(() => alert.textContent()).toMatch(/bogus/);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(async () => (await traceIds()).length).toBe(2);
  });

  it('sorts by latency on the server, the order in the URL', async () => {
    await page.getByRole('button', { name: 'Latency' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('order')).toBe('execution_time_ms DESC');
    await expect.poll(traceIds).toEqual([TRACE_ID, ERROR_TRACE]);
    await page.getByRole('button', { name: /Latency/ }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('order')).toBe('execution_time_ms ASC');
    await expect.poll(traceIds).toEqual([ERROR_TRACE, TRACE_ID]);
  });

  it('opens a trace: the waterfall, a span’s inputs and outputs, and the assessments', async () => {
    await page.locator(`tr[data-trace-id="${TRACE_ID}"] a.trace-link`).click();
    await page.waitForURL(`**/experiments/${experimentId}/traces/${TRACE_ID}**`);
    const items = page.getByRole('treeitem');
    await expect.poll(() => items.count()).toBe(3);
    const rows = await items.evaluateAll((els) =>
      els.map((e) => [
        e.getAttribute('data-span-id'),
        e.getAttribute('aria-level'),
        e.querySelector('.wf-span-name')?.textContent,
      ]),
    );
    expect(rows).toEqual([
      [ROOT, '1', 'answer'],
      [RETRIEVE, '2', 'retrieve'],
      [CHAT, '2', 'chat'],
    ]);
    // The chat span starts 450 of 1200 ms in and lasts 700 ms.
    const chatRow = page.locator(`[data-span-id="${CHAT}"]`);
    const left = await chatRow.locator('.wf-bar').evaluate((el) => (el as HTMLElement).style.left);
    expect(Number.parseFloat(left)).toBeCloseTo(37.5, 1);
    expect(await chatRow.locator('.wf-duration').textContent()).toBe('700ms');
    await chatRow.click();
    await expect.poll(() => new URL(page.url()).searchParams.get('span')).toBe(CHAT);
    const detail = page.getByRole('region', { name: 'Span chat' });
    await expect
      .poll(() => detail.locator('pre[data-label="Inputs"]').textContent())
      .toContain('"content": "What is Flowline?"');
    expect(await detail.locator('pre[data-label="Outputs"]').textContent()).toContain('"role": "assistant"');
    await detail.getByRole('tab', { name: /Attributes/ }).click();
    expect(await detail.locator('.span-attributes').textContent()).toContain('mlflow.chat.tokenUsage');
    const helpful = page.locator('tr[data-assessment="helpful"]');
    expect(await helpful.textContent()).toContain('Answers the question');
    expect(await helpful.textContent()).toContain('HUMAN');
    await shot('trace-page');
  });

  it('lists the run’s traces on its run page, linked', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${runId}?tab=traces`);
    await expect.poll(traceIds).toEqual(expect.arrayContaining([TRACE_ID, ERROR_TRACE]));
    await page.locator(`tr[data-trace-id="${ERROR_TRACE}"] a.trace-link`).click();
    await page.waitForURL(`**/traces/${ERROR_TRACE}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('failing');
    const run = page.locator('.facts dt:text-is("Run") + dd a');
    await expect.poll(() => run.textContent()).toBe('traced-run');
    // Its spans come from traces.json: the failed tool call is red, with its exception event.
    await expect.poll(() => page.getByRole('treeitem').count()).toBe(2);
    const tool = page.locator(`[data-span-id="${FAIL_TOOL}"]`);
    expect(await tool.locator('.wf-bar').getAttribute('class')).toContain('wf-error');
    await tool.click();
    const detail = page.getByRole('region', { name: 'Span explode' });
    expect(await detail.locator('.span-status-message').textContent()).toBe('ValueError: boom');
    await detail.getByRole('tab', { name: /Events/ }).click();
    expect(await detail.locator('.span-exception').textContent()).toContain('boom');
  });

  it('draws the trace views in the dark theme', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/traces`);
    await page.getByRole('button', { name: /Switch to dark/ }).click();
    await expect.poll(traceIds).toEqual(expect.arrayContaining([TRACE_ID]));
    await shot('traces-table-dark');
    await page.goto(`${server.url}/experiments/${experimentId}/traces/${TRACE_ID}?span=${CHAT}`);
    await expect.poll(() => page.getByRole('treeitem').count()).toBe(3);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(20, 23, 28)',
    );
    await shot('trace-page-dark');
  });
});
