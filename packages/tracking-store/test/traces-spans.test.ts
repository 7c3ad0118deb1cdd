import type { SpanRecord } from '@flowline/core';
import { expectMlflowError, storeTargets, uniqueName } from '@flowline/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';

// MLflow's log_spans and span-reading behaviours (test_sqlalchemy_store_traces.py: test_log_spans*,
// test_batch_get_traces*, the trace-state tests) and span filters of search_traces.

const BASE = 1_700_000_000_123_456_789n; // beyond 2^53: nanoseconds must stay exact
const MS = 1_000_000n;

let counter = 0;
function otelId(): string {
  counter += 1;
  return (counter + 0x1000).toString(16).padStart(32, '0');
}

function span(otel: string, spanId: string, fields: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: `tr-${otel}`,
    otelTraceId: otel,
    spanId,
    name: `span-${spanId}`,
    status: 'UNSET',
    startTimeUnixNano: BASE,
    endTimeUnixNano: BASE + 5n * MS,
    attributes: {},
    events: [],
    ...fields,
  };
}

for (const target of storeTargets()) {
  describe(`spans on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let drop: () => Promise<void>;
    let exp: string;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: '/tmp/flowline-artifacts' });
      exp = await store.createExperiment({ name: uniqueName('spans') });
    });
    afterAll(async () => {
      await store.close();
      await drop();
    });

    async function rows(traceId: string) {
      const result = await sql<Record<string, unknown>>`select span_id, parent_span_id, name, type, status,
        cast(start_time_unix_nano as text) as start_ns, cast(end_time_unix_nano as text) as end_ns,
        cast(duration_ns as text) as duration, content, experiment_id from spans where trace_id = ${traceId}
        order by span_id`.execute(store.database.db);
      return result.rows;
    }

    it('writes span rows in MLflow columns, content as the MLflow 3 span dict', async () => {
      const otel = otelId();
      await store.logSpans(exp, [
        span(otel, '000000000000006f', {
          name: 'root',
          type: 'CHAIN',
          attributes: { 'mlflow.spanInputs': { x: 1 }, 'mlflow.spanOutputs': 'ok', custom: [1, 'a'] },
          events: [
            { name: 'exception', timeUnixNano: BASE + 1n, attributes: { 'exception.message': 'boom' } },
          ],
        }),
      ]);
      const [row] = await rows(`tr-${otel}`);
      expect(row).toMatchObject({
        span_id: '000000000000006f',
        parent_span_id: null,
        name: 'root',
        type: 'CHAIN',
        status: 'UNSET',
        start_ns: BASE.toString(),
        end_ns: (BASE + 5n * MS).toString(),
        duration: (5n * MS).toString(),
        experiment_id: Number(exp),
      });
      const content = JSON.parse(row!.content as string);
      expect(content).toMatchObject({
        trace_id: Buffer.from(otel, 'hex').toString('base64'),
        span_id: Buffer.from('000000000000006f', 'hex').toString('base64'),
        parent_span_id: '',
        name: 'root',
        status: { code: 'STATUS_CODE_UNSET', message: '' },
        attributes: {
          'mlflow.traceRequestId': `"tr-${otel}"`,
          'mlflow.spanType': '"CHAIN"',
          'mlflow.spanInputs': '{"x": 1}',
          'mlflow.spanOutputs': '"ok"',
          custom: '[1, "a"]',
        },
        events: [{ name: 'exception', attributes: { 'exception.message': 'boom' } }],
      });
      expect(row!.content as string).toContain(`"start_time_unix_nano": ${BASE}`);
      expect(row!.content as string).toContain(`"time_unix_nano": ${BASE + 1n}`);
    });

    it('creates the trace from its spans: times, state from the root, name, previews and tags', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      await store.logSpans(exp, [
        span(otel, '0000000000000002', {
          parentSpanId: '0000000000000001',
          startTimeUnixNano: BASE + 2n * MS,
        }),
        span(otel, '0000000000000001', {
          name: 'predict',
          endTimeUnixNano: BASE + 12n * MS + 999n,
          attributes: {
            'mlflow.spanInputs': { question: 'why?' },
            'mlflow.spanOutputs': { answer: 'x'.repeat(2000) },
          },
        }),
      ]);
      const info = await store.getTraceInfo(id);
      expect(info).toMatchObject({
        traceId: id,
        experimentId: exp,
        requestTime: Number(BASE / MS),
        executionDuration: 12,
        state: 'OK',
        requestPreview: '{"question": "why?"}',
      });
      expect(info.responsePreview).toHaveLength(1000);
      expect(info.tags).toMatchObject({
        'mlflow.traceName': 'predict',
        'mlflow.trace.spansLocation': 'TRACKING_STORE',
      });
      expect(info.traceMetadata['mlflow.traceInputs']).toBe('{"question": "why?"}');
      expect(info.traceMetadata['mlflow.traceOutputs']).toHaveLength(1000);
    });

    it('keeps a trace IN_PROGRESS until its root span arrives, then takes its status once', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      await store.logSpans(exp, [
        span(otel, '00000000000000c1', { parentSpanId: '00000000000000a1', status: 'OK' }),
      ]);
      expect((await store.getTraceInfo(id)).state).toBe('IN_PROGRESS');
      await store.logSpans(exp, [
        span(otel, '00000000000000a1', { status: 'ERROR', statusMessage: 'failed' }),
      ]);
      expect((await store.getTraceInfo(id)).state).toBe('ERROR');
      await store.logSpans(exp, [span(otel, '00000000000000a1', { status: 'OK' })]);
      expect((await store.getTraceInfo(id)).state).toBe('ERROR');
    });

    it('widens the time range as spans arrive; no end time leaves the duration empty', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      await store.logSpans(exp, [
        span(otel, '00000000000000b2', { parentSpanId: 'ffffffffffffffff', endTimeUnixNano: undefined }),
      ]);
      let info = await store.getTraceInfo(id);
      expect(info.requestTime).toBe(Number(BASE / MS));
      expect(info.executionDuration).toBeUndefined();
      await store.logSpans(exp, [
        span(otel, '00000000000000b3', {
          parentSpanId: 'ffffffffffffffff',
          startTimeUnixNano: BASE - 3n * MS,
          endTimeUnixNano: BASE + 20n * MS,
        }),
      ]);
      info = await store.getTraceInfo(id);
      expect(info.requestTime).toBe(Number((BASE - 3n * MS) / MS));
      expect(info.executionDuration).toBe(23);
    });

    it('logs spans of several traces in one call', async () => {
      const [a, b] = [otelId(), otelId()];
      await store.logSpans(exp, [
        span(a, '0000000000000001'),
        span(b, '0000000000000001'),
        span(a, '0000000000000002', { parentSpanId: '0000000000000001' }),
      ]);
      expect(await store.getTraceSpans(`tr-${a}`)).toHaveLength(2);
      expect(await store.getTraceSpans(`tr-${b}`)).toHaveLength(1);
      await store.logSpans(exp, []);
      await expectMlflowError(
        store.logSpans('987654', [span(otelId(), '0000000000000001')]),
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('creates one trace when calls for it run concurrently', async () => {
      const otel = otelId();
      const spanIds = Array.from({ length: 6 }, (_, i) => (i + 1).toString(16).padStart(16, '0'));
      await Promise.all(
        spanIds.map((id, i) =>
          store.logSpans(exp, [
            span(otel, id, {
              parentSpanId: i === 0 ? undefined : spanIds[0],
              startTimeUnixNano: BASE + BigInt(i) * MS,
            }),
          ]),
        ),
      );
      const spans = await store.getTraceSpans(`tr-${otel}`);
      expect(spans.map((s) => s.spanId)).toEqual(spanIds);
      expect(await store.getTraceInfo(`tr-${otel}`)).toMatchObject({
        state: 'OK',
        requestTime: Number(BASE / MS),
      });
    });

    it('copies resource attributes and mlflow.traceTag.* attributes onto the trace as tags', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      await store.startTrace({
        traceId: id,
        experimentId: exp,
        requestTime: 1,
        state: 'OK',
        tags: { 'service.name': 'mine' },
      });
      const resourceAttributes = {
        'service.name': 'svc',
        'deployment.env': 'prod',
        'host.cores': 4,
        'telemetry.sdk.name': 'opentelemetry',
        'mlflow.internal': 'x',
      };
      await store.logSpans(exp, [
        span(otel, '0000000000000001', {
          resourceAttributes,
          attributes: { 'mlflow.traceTag.team': 'search', 'mlflow.traceTag.deployment.env': 'won' },
        }),
      ]);
      const info = await store.getTraceInfo(id);
      expect(info.tags).toMatchObject({
        'service.name': 'mine',
        'deployment.env': 'won',
        'host.cores': '4',
        team: 'search',
        'mlflow.trace.spansLocation': 'TRACKING_STORE',
      });
      expect(info.tags['telemetry.sdk.name']).toBeUndefined();
      expect(info.tags['mlflow.internal']).toBeUndefined();
      // The client's info (startTrace) is final: span logging keeps its times and state.
      expect(info).toMatchObject({ requestTime: 1, state: 'OK' });
    });

    it("takes mlflow.traceMetadata.* as metadata and explicit previews over the derived ones (the SDK's updateCurrentTrace)", async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      await store.logSpans(exp, [
        span(otel, '0000000000000001', {
          attributes: {
            'mlflow.spanInputs': { question: 'long question' },
            'mlflow.spanOutputs': 'long answer',
            'mlflow.traceMetadata.session': 'abc',
            'mlflow.traceMetadata.turn': 3,
            'mlflow.traceRequestPreview': 'short question',
            'mlflow.traceResponsePreview': 'short answer',
          },
        }),
      ]);
      const info = await store.getTraceInfo(id);
      expect(info.traceMetadata).toMatchObject({ session: 'abc', turn: '3' });
      expect(info.requestPreview).toBe('short question');
      expect(info.responsePreview).toBe('short answer');
      // Without explicit previews they come from the root span's inputs and outputs.
      const other = otelId();
      await store.logSpans(exp, [
        span(other, '0000000000000001', {
          attributes: { 'mlflow.spanInputs': { q: 1 }, 'mlflow.spanOutputs': 'a' },
        }),
      ]);
      const derived = await store.getTraceInfo(`tr-${other}`);
      expect([derived.requestPreview, derived.responsePreview]).toEqual(['{"q": 1}', '"a"']);
    });

    it('merges a later startTrace into a trace that spans created', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      await store.logSpans(exp, [span(otel, '0000000000000001', { name: 'agent' })]);
      const info = await store.startTrace({
        traceId: id,
        experimentId: exp,
        requestTime: 42,
        executionDuration: 7,
        state: 'ERROR',
        tags: { extra: '1' },
      });
      expect(info).toMatchObject({ requestTime: 42, executionDuration: 7, state: 'ERROR' });
      expect(info.tags).toMatchObject({
        extra: '1',
        'mlflow.traceName': 'agent',
        'mlflow.trace.spansLocation': 'TRACKING_STORE',
      });
      expect(info.requestPreview).toBeUndefined();
    });

    it('sums token usage over spans, across calls and without counting a redelivered span twice', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      const usage = (i: number, o: number) => ({
        'mlflow.chat.tokenUsage': { input_tokens: i, output_tokens: o, total_tokens: i + o },
      });
      await store.logSpans(exp, [
        span(otel, '0000000000000001'),
        span(otel, '0000000000000002', { parentSpanId: '0000000000000001', attributes: usage(10, 5) }),
      ]);
      expect(JSON.parse((await store.getTraceInfo(id)).traceMetadata['mlflow.trace.tokenUsage']!)).toEqual({
        input_tokens: 10,
        output_tokens: 5,
        total_tokens: 15,
      });
      const third = span(otel, '0000000000000003', {
        parentSpanId: '0000000000000001',
        attributes: usage(1, 2),
      });
      await store.logSpans(exp, [third]);
      await store.logSpans(exp, [third]);
      expect((await store.getTraceInfo(id)).traceMetadata['mlflow.trace.tokenUsage']).toBe(
        '{"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}',
      );
    });

    it('reads spans back sorted by start time, exactly as logged', async () => {
      const otel = otelId();
      const id = `tr-${otel}`;
      const root = span(otel, '000000000000006f', {
        name: 'root',
        type: 'AGENT',
        status: 'OK',
        startTimeUnixNano: BASE,
        attributes: {
          'mlflow.spanInputs': { nested: { list: [1, 2.5, null, true] } },
          'mlflow.traceRequestId': id,
          'mlflow.spanType': 'AGENT',
        },
        events: [
          {
            name: 'mlflow.chunk.item.0',
            timeUnixNano: BASE + 7n,
            attributes: { 'mlflow.chunk.value': 'hi' },
          },
        ],
      });
      const child = span(otel, '00000000000000de', {
        parentSpanId: '000000000000006f',
        name: 'child',
        status: 'ERROR',
        statusMessage: 'bad',
        startTimeUnixNano: BASE + 1n,
        endTimeUnixNano: undefined,
        attributes: { 'mlflow.traceRequestId': id },
        links: [{ otelTraceId: otelId(), spanId: '0000000000000abc', attributes: { why: 'retry' } }],
      });
      await store.logSpans(exp, [child, root]);
      expect(await store.getTraceSpans(id)).toEqual([root, child]);
      const empty = await store.startTrace({
        traceId: `tr-${otelId()}`,
        experimentId: exp,
        requestTime: 1,
        state: 'OK',
      });
      expect(await store.getTraceSpans(empty.traceId)).toEqual([]);
      await expectMlflowError(
        store.getTraceSpans('tr-nope'),
        'RESOURCE_DOES_NOT_EXIST',
        "Trace with ID 'tr-nope' not found.",
      );
    });

    describe('span filters', () => {
      let spanExp: string;
      const ids: string[] = [];
      beforeAll(async () => {
        spanExp = await store.createExperiment({ name: uniqueName('span-filters') });
        const traces: Partial<SpanRecord>[][] = [
          [
            { name: 'retrieve', type: 'RETRIEVER', status: 'OK' },
            { name: 'generate', type: 'LLM', status: 'ERROR' },
          ],
          [
            { name: 'retrieve', type: 'RETRIEVER', status: 'ERROR' },
            {
              name: 'Generate answer',
              type: 'CHAT_MODEL',
              status: 'OK',
              attributes: { 'mlflow.spanInputs': 'needle 100%' },
            },
          ],
          [{ name: 'tool call', type: 'TOOL', status: 'OK' }],
        ];
        for (const [i, spans] of traces.entries()) {
          const otel = otelId();
          ids.push(`tr-${otel}`);
          await store.logSpans(
            spanExp,
            spans.map((fields, j) =>
              span(otel, `000000000000000${j + 1}`, {
                ...fields,
                startTimeUnixNano: BASE + BigInt(i) * 1000n * MS,
                parentSpanId: j === 0 ? undefined : '0000000000000001',
              }),
            ),
          );
        }
      });
      const search = async (filter: string) =>
        (
          await store.searchTraces({ experimentIds: [spanExp], filter, orderBy: ['timestamp ASC'] })
        ).items.map((t) => ids.indexOf(t.traceId));

      it('matches span name, type and status', async () => {
        expect(await search("span.name = 'retrieve'")).toEqual([0, 1]);
        expect(await search("span.name != 'retrieve'")).toEqual([0, 1, 2]);
        expect(await search("span.name LIKE 'Gen%'")).toEqual([1]);
        expect(await search("span.name ILIKE 'gen%'")).toEqual([0, 1]);
        expect(await search("span.type = 'LLM'")).toEqual([0]);
        expect(await search("span.type IN ('LLM', 'TOOL')")).toEqual([0, 2]);
        expect(await search("span.type NOT IN ('RETRIEVER', 'LLM', 'CHAT_MODEL')")).toEqual([2]);
        expect(await search("span.status = 'ERROR'")).toEqual([0, 1]);
        expect(await search("span.status IN ('OK')")).toEqual([0, 1, 2]);
      });

      it('needs every span clause to hold for one same span', async () => {
        expect(await search("span.type = 'RETRIEVER' AND span.status = 'ERROR'")).toEqual([1]);
        expect(await search("span.name = 'generate' AND span.status = 'OK'")).toEqual([]);
        expect(await search("span.type = 'TOOL' AND trace.status = 'OK'")).toEqual([2]);
      });

      it('matches span content and full text', async () => {
        expect(await search("span.content LIKE '%needle%'")).toEqual([1]);
        expect(await search("trace.text LIKE '%needle 100\\%%'")).toEqual([1]);
        expect(await search("trace.text ILIKE '%TOOL CALL%'")).toEqual([2]);
      });
    });
  });
}
