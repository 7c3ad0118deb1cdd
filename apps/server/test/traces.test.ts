import type { SpanRecord } from '@flowline/core';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './helpers.js';
import { type StoreServer, storeServer } from './store-server.js';

// MLflow's trace REST API on a real server and store (SQLite, and Postgres when TEST_POSTGRES_URL is set),
// called the way MLflow's clients call it: v3 under /api/3.0 (and the UI's /ajax-api/3.0), v2 under 2.0.

const V3 = '/api/3.0/mlflow';
const V2 = '/api/2.0/mlflow';
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
let counter = 0;
const newTraceId = () => `tr-${hex(++counter, 32)}`;

/** A StartTraceV3 body as MLflow's Python and TypeScript clients send it. */
function traceInfoBody(experimentId: string, traceId: string, extra: Record<string, unknown> = {}) {
  return {
    trace: {
      trace_info: {
        trace_id: traceId,
        client_request_id: `client-${traceId}`,
        trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
        request_preview: '{"question": "hi"}',
        response_preview: '"hello"',
        request_time: '2025-06-15T14:07:41.282Z',
        execution_duration: '1.5s',
        state: 'OK',
        trace_metadata: { 'mlflow.trace_schema.version': '3', 'mlflow.user': 'me' },
        tags: { 'mlflow.traceName': 'predict', fruit: 'apple' },
        assessments: [],
        ...extra,
      },
    },
  };
}

function spansOf(traceId: string, count = 2): SpanRecord[] {
  const otel = traceId.slice(3);
  return Array.from({ length: count }, (_, i) => ({
    traceId,
    otelTraceId: otel,
    spanId: hex(i + 1, 16),
    parentSpanId: i === 0 ? undefined : hex(1, 16),
    name: i === 0 ? 'root' : `child-${i}`,
    type: i === 0 ? 'CHAIN' : 'LLM',
    status: 'OK' as const,
    startTimeUnixNano: 1750000000000000001n + BigInt(i),
    endTimeUnixNano: 1750000001000000001n,
    attributes: {
      'mlflow.traceRequestId': traceId,
      'mlflow.spanType': i === 0 ? 'CHAIN' : 'LLM',
      'mlflow.spanInputs': { question: 'hi' },
    },
    events: [],
  }));
}

for (const target of storeTargets()) {
  describe(`the trace API (${target.name})`, () => {
    let server: StoreServer;
    let experimentId: string;
    const app = () => server.app;
    const start = async (traceId = newTraceId(), extra: Record<string, unknown> = {}) => {
      const res = await call(app(), 'POST', `${V3}/traces`, traceInfoBody(experimentId, traceId, extra));
      expect(res.status, res.text).toBe(200);
      return traceId;
    };

    beforeAll(async () => {
      server = await storeServer(target, { proxy: true });
      experimentId = await server.tracking.createExperiment({ name: 'traces' });
    });
    afterAll(async () => server?.close());

    describe('StartTraceV3 and GetTraceInfoV3', () => {
      it('keeps the trace as the client made it and adds its artifact location', async () => {
        const traceId = newTraceId();
        const res = await call(app(), 'POST', `${V3}/traces`, traceInfoBody(experimentId, traceId));
        expect(res.status, res.text).toBe(200);
        const info = res.body.trace.trace_info;
        expect(info).toMatchObject({
          trace_id: traceId,
          client_request_id: `client-${traceId}`,
          trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
          request_preview: '{"question": "hi"}',
          response_preview: '"hello"',
          request_time: '2025-06-15T14:07:41.282Z',
          execution_duration: '1.500s',
          state: 'OK',
          trace_metadata: { 'mlflow.trace_schema.version': '3', 'mlflow.user': 'me' },
        });
        expect(info.tags['mlflow.traceName']).toBe('predict');
        expect(info.tags['mlflow.artifactLocation']).toMatch(
          new RegExp(`/${experimentId}/traces/${traceId}/artifacts$`),
        );
        expect(info).not.toHaveProperty('assessments');

        for (const prefix of [V3, '/ajax-api/3.0/mlflow']) {
          const got = await call(app(), 'GET', `${prefix}/traces/${traceId}`);
          expect(got.status).toBe(200);
          expect(got.body).toEqual(res.body);
        }
      });

      it('answers MLflow errors for a missing trace and a body without a trace', async () => {
        const missing = await call(app(), 'GET', `${V3}/traces/tr-${'f'.repeat(32)}`);
        expect(missing.status).toBe(404);
        expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
        const noTrace = await call(app(), 'POST', `${V3}/traces`, {});
        expect(noTrace.status).toBe(400);
        expect(noTrace.body).toEqual({
          error_code: 'INVALID_PARAMETER_VALUE',
          message:
            "Missing value for required parameter 'trace'. See the API docs for more information about request parameters.",
        });
        const wrongType = await call(app(), 'POST', `${V3}/traces`, { trace: 'x' });
        expect(wrongType.status).toBe(400);
        expect(wrongType.body.message).toMatch(/Invalid value "x" for parameter 'trace'/);
        const badTime = await call(
          app(),
          'POST',
          `${V3}/traces`,
          traceInfoBody(experimentId, newTraceId(), { request_time: 12 }),
        );
        expect(badTime.status).toBe(400);
      });

      it('serves the v3 endpoints under 3.0 only and the v2 ones under 2.0 only', async () => {
        const traceId = await start();
        expect((await call(app(), 'GET', `${V2}/traces/get?trace_id=${traceId}`)).status).toBe(404);
        expect((await call(app(), 'GET', `${V3}/traces/${traceId}/info`)).status).toBe(404);
        // POST /traces under 2.0 is v2's StartTrace: the v3 body lacks its experiment_id.
        const v2 = await call(app(), 'POST', `${V2}/traces`, traceInfoBody(experimentId, newTraceId()));
        expect(v2.status).toBe(400);
        expect(v2.body.message).toMatch(/'experiment_id'/);
      });
    });

    describe('the v2 forms', () => {
      it('start and end a trace, seen the same through v2 and v3', async () => {
        const started = await call(app(), 'POST', `${V2}/traces`, {
          experiment_id: experimentId,
          timestamp_ms: 1_700_000_000_000,
          request_metadata: [{ key: 'm1', value: 'a' }],
          tags: [{ key: 't1', value: 'x' }],
        });
        expect(started.status, started.text).toBe(200);
        const v2 = started.body.trace_info;
        expect(v2).toMatchObject({
          experiment_id: experimentId,
          timestamp_ms: 1_700_000_000_000,
          status: 'IN_PROGRESS',
        });
        expect(v2).not.toHaveProperty('execution_time_ms');
        expect(v2.request_metadata).toContainEqual({ key: 'm1', value: 'a' });
        const id = v2.request_id as string;

        const ended = await call(app(), 'PATCH', `${V2}/traces/${id}`, {
          timestamp_ms: 1_700_000_001_500,
          status: 'OK',
          request_metadata: [{ key: 'm2', value: 'b' }],
          tags: [{ key: 't1', value: 'y' }],
        });
        expect(ended.status, ended.text).toBe(200);
        expect(ended.body.trace_info).toMatchObject({ status: 'OK', execution_time_ms: 1500 });
        expect(ended.body.trace_info.tags).toContainEqual({ key: 't1', value: 'y' });

        const info = await call(app(), 'GET', `${V2}/traces/${id}/info`);
        expect(info.body).toEqual(ended.body);
        const v3 = (await call(app(), 'GET', `${V3}/traces/${id}`)).body.trace.trace_info;
        expect(v3).toMatchObject({
          trace_id: id,
          state: 'OK',
          request_time: '2023-11-14T22:13:20Z',
          execution_duration: '1.500s',
          trace_metadata: { m1: 'a', m2: 'b' },
        });
        expect(v3.tags.t1).toBe('y');
      });

      it('requires a status to end a trace', async () => {
        const started = await call(app(), 'POST', `${V2}/traces`, { experiment_id: experimentId });
        const res = await call(app(), 'PATCH', `${V2}/traces/${started.body.trace_info.request_id}`, {});
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/'status'/);
      });
    });

    describe('search', () => {
      let searchExperiment: string;
      const ids: string[] = [];
      beforeAll(async () => {
        searchExperiment = await server.tracking.createExperiment({ name: 'trace-search' });
        for (let i = 0; i < 5; i++) {
          const traceId = newTraceId();
          const body = traceInfoBody(searchExperiment, traceId, {
            request_time: new Date(1_750_000_000_000 + i * 1000).toISOString(),
            execution_duration: `${(i + 1) / 10}s`,
            state: i === 4 ? 'ERROR' : 'OK',
            tags: { 'mlflow.traceName': i % 2 === 0 ? 'even' : 'odd', rank: String(i) },
          });
          expect((await call(app(), 'POST', `${V3}/traces`, body)).status).toBe(200);
          ids.push(traceId);
        }
      });
      const search = (body: Record<string, unknown>) =>
        call(app(), 'POST', `${V3}/traces/search`, {
          locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: searchExperiment } }],
          ...body,
        });

      it('finds the newest first and pages with tokens', async () => {
        const first = await search({ max_results: 2 });
        expect(first.status, first.text).toBe(200);
        expect(first.body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual([ids[4], ids[3]]);
        const seen = [...first.body.traces];
        let token = first.body.next_page_token as string | undefined;
        while (token) {
          const page = await search({ max_results: 2, page_token: token });
          seen.push(...(page.body.traces ?? []));
          token = page.body.next_page_token;
        }
        expect(seen.map((t) => t.trace_id)).toEqual([...ids].reverse());
      });

      it('takes the filters and orders MLflow clients send', async () => {
        const names = async (body: Record<string, unknown>) =>
          ((await search(body)).body.traces ?? []).map((t: { tags: { rank: string } }) => t.tags.rank);
        expect(await names({ filter: "trace.status = 'ERROR'" })).toEqual(['4']);
        expect(await names({ filter: "tags.rank = '2'" })).toEqual(['2']);
        expect(await names({ filter: "tag.`mlflow.traceName` = 'odd'" })).toEqual(['3', '1']);
        expect(await names({ filter: "name = 'even' AND trace.execution_time_ms > 150" })).toEqual([
          '4',
          '2',
        ]);
        expect(await names({ filter: "metadata.`mlflow.user` = 'me'", max_results: 1 })).toEqual(['4']);
        expect(await names({ order_by: ['timestamp_ms ASC'], max_results: 2 })).toEqual(['0', '1']);
        expect(await names({ order_by: ['execution_time DESC'], max_results: 1 })).toEqual(['4']);
      });

      it('refuses a bad filter, over 500 results, and no locations, as MLflow', async () => {
        const bad = await search({ filter: "foo.bar = 'x'" });
        expect(bad.status).toBe(400);
        expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        const big = await search({ max_results: 501 });
        expect(big.status).toBe(400);
        expect(big.body.message).toMatch(/Invalid value 501 for parameter 'max_results'/);
        const none = await call(app(), 'POST', `${V3}/traces/search`, {});
        expect(none.status).toBe(400);
        expect(none.body.message).toMatch(/^Missing value for required parameter 'locations'/);
      });

      it('is GET /traces in v2, with repeated experiment_ids and the v2 shape', async () => {
        const res = await call(
          app(),
          'GET',
          `${V2}/traces?experiment_ids=${searchExperiment}&experiment_ids=${searchExperiment}&max_results=2&order_by=timestamp_ms%20ASC`,
        );
        expect(res.status, res.text).toBe(200);
        expect(res.body.traces.map((t: { request_id: string }) => t.request_id)).toEqual([ids[0], ids[1]]);
        expect(res.body.traces[0]).toMatchObject({ experiment_id: searchExperiment, status: 'OK' });
        expect(res.body.traces[0].tags).toContainEqual({ key: 'rank', value: '0' });
        expect(res.body.next_page_token).toEqual(expect.any(String));
        const missing = await call(app(), 'GET', `${V2}/traces`);
        expect(missing.status).toBe(400);
        expect((await call(app(), 'GET', `${V2}/traces?experiment_ids=1&max_results=501`)).status).toBe(400);
      });
    });

    describe('tags', () => {
      it('are set and deleted through v3 and v2', async () => {
        const traceId = await start();
        const set = await call(app(), 'PATCH', `${V3}/traces/${traceId}/tags`, { key: 'k', value: 'v' });
        expect(set.status, set.text).toBe(200);
        expect(set.body).toEqual({});
        await call(app(), 'PATCH', `${V2}/traces/${traceId}/tags`, { key: 'k2', value: 'v2' });
        let tags = (await call(app(), 'GET', `${V3}/traces/${traceId}`)).body.trace.trace_info.tags;
        expect(tags).toMatchObject({ k: 'v', k2: 'v2' });
        expect((await call(app(), 'DELETE', `${V3}/traces/${traceId}/tags`, { key: 'k' })).status).toBe(200);
        expect((await call(app(), 'DELETE', `${V2}/traces/${traceId}/tags?key=k2`)).status).toBe(200);
        tags = (await call(app(), 'GET', `${V3}/traces/${traceId}`)).body.trace.trace_info.tags;
        expect(tags).not.toHaveProperty('k');
        expect(tags).not.toHaveProperty('k2');
        const again = await call(app(), 'DELETE', `${V3}/traces/${traceId}/tags`, { key: 'k' });
        expect(again.status).toBe(404);
        expect(again.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
        const noKey = await call(app(), 'PATCH', `${V3}/traces/${traceId}/tags`, { value: 'v' });
        expect(noKey.status).toBe(400);
        expect(noKey.body.message).toMatch(/^Missing value for required parameter 'key'/);
      });
    });

    describe('delete-traces', () => {
      it('deletes by ids under 3.0 and by age under 2.0', async () => {
        const doomed = await server.tracking.createExperiment({ name: 'trace-delete' });
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const traceId = newTraceId();
          const body = traceInfoBody(doomed, traceId, {
            request_time: new Date(1_000_000 + i * 1000).toISOString(),
          });
          await call(app(), 'POST', `${V3}/traces`, body);
          ids.push(traceId);
        }
        const byIds = await call(app(), 'POST', `${V3}/traces/delete-traces`, {
          experiment_id: doomed,
          request_ids: [ids[0]],
        });
        expect(byIds.status, byIds.text).toBe(200);
        expect(byIds.body).toEqual({ traces_deleted: 1 });
        expect((await call(app(), 'GET', `${V3}/traces/${ids[0]}`)).status).toBe(404);
        const byAge = await call(app(), 'POST', `${V2}/traces/delete-traces`, {
          experiment_id: doomed,
          max_timestamp_millis: 1_001_000,
        });
        expect(byAge.body).toEqual({ traces_deleted: 1 });
        expect((await call(app(), 'GET', `${V3}/traces/${ids[2]}`)).status).toBe(200);
        const neither = await call(app(), 'POST', `${V3}/traces/delete-traces`, { experiment_id: doomed });
        expect(neither.status).toBe(400);
        expect(neither.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        const noExperiment = await call(app(), 'POST', `${V3}/traces/delete-traces`, { request_ids: ids });
        expect(noExperiment.status).toBe(400);
        expect(noExperiment.body.message).toMatch(/'experiment_id'/);
      });
    });

    describe('link-to-run', () => {
      it('links traces to a run so run_id finds them; refuses more than 100', async () => {
        const run = await server.tracking.createRun({ experimentId });
        const traceId = await start();
        const res = await call(app(), 'POST', `${V2}/traces/link-to-run`, {
          trace_ids: [traceId],
          run_id: run.info.runId,
        });
        expect(res.status, res.text).toBe(200);
        const found = await call(app(), 'POST', `${V3}/traces/search`, {
          locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
          filter: `run_id = '${run.info.runId}'`,
        });
        expect(found.body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual([traceId]);
        const many = Array.from({ length: 101 }, () => traceId);
        const tooMany = await call(app(), 'POST', `${V2}/traces/link-to-run`, {
          trace_ids: many,
          run_id: run.info.runId,
        });
        expect(tooMany.status).toBe(400);
        expect((await call(app(), 'POST', `${V2}/traces/link-to-run`, { trace_ids: [traceId] })).status).toBe(
          400,
        );
        expect((await call(app(), 'POST', `${V3}/traces/link-to-run`, {})).status).toBe(404);
      });
    });

    describe('link-prompts', () => {
      it("lists each prompt version once in the trace's mlflow.linkedPrompts tag", async () => {
        const traceId = await start();
        const link = (versions: unknown[]) =>
          call(app(), 'POST', `${V2}/traces/link-prompts`, { trace_id: traceId, prompt_versions: versions });
        expect((await link([{ name: 'qa', version: '1' }])).status).toBe(200);
        expect(
          (
            await link([
              { name: 'qa', version: 1 },
              { name: 'summary', version: '3' },
            ])
          ).status,
        ).toBe(200);
        const tags = (await call(app(), 'GET', `${V3}/traces/${traceId}`)).body.trace.trace_info.tags;
        expect(JSON.parse(tags['mlflow.linkedPrompts'])).toEqual([
          { name: 'qa', version: '1' },
          { name: 'summary', version: '3' },
        ]);
        expect((await link([{ name: 'qa' }])).status).toBe(400);
        const unknown = await call(app(), 'POST', `${V2}/traces/link-prompts`, {
          trace_id: `tr-${'9'.repeat(32)}`,
          prompt_versions: [],
        });
        expect(unknown.status).toBe(404);
      });
    });

    describe('assessments', () => {
      it('are created, read, updated and deleted with MLflow 3 JSON', async () => {
        const traceId = await start();
        const created = await call(app(), 'POST', `${V3}/traces/${traceId}/assessments`, {
          assessment: {
            assessment_name: 'correct',
            trace_id: 'ignored',
            source: { source_type: 'LLM_JUDGE', source_id: 'judge-1' },
            feedback: { value: true },
            rationale: 'looks right',
            metadata: { model: 'x' },
          },
        });
        expect(created.status, created.text).toBe(200);
        const a = created.body.assessment;
        expect(a).toMatchObject({
          assessment_name: 'correct',
          trace_id: traceId,
          source: { source_type: 'LLM_JUDGE', source_id: 'judge-1' },
          feedback: { value: true },
          rationale: 'looks right',
          metadata: { model: 'x' },
          valid: true,
        });
        expect(a.assessment_id).toMatch(/^a-/);
        expect(a.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);

        const url = `${V3}/traces/${traceId}/assessments/${a.assessment_id}`;
        expect((await call(app(), 'GET', url)).body).toEqual(created.body);
        const info = (await call(app(), 'GET', `${V3}/traces/${traceId}`)).body.trace.trace_info;
        expect(info.assessments).toEqual([a]);

        // The Python client sends FieldMask paths in lowerCamelCase.
        const updated = await call(app(), 'PATCH', url, {
          assessment: { rationale: 'on reflection, no', feedback: { value: false }, metadata: { more: 'y' } },
          update_mask: 'rationale,feedback,metadata',
        });
        expect(updated.status, updated.text).toBe(200);
        expect(updated.body.assessment).toMatchObject({
          rationale: 'on reflection, no',
          feedback: { value: false },
          metadata: { model: 'x', more: 'y' },
        });
        const renamed = await call(app(), 'PATCH', url, {
          assessment: { assessment_name: 'renamed' },
          update_mask: 'assessmentName',
        });
        expect(renamed.body.assessment.assessment_name).toBe('renamed');

        expect((await call(app(), 'DELETE', url)).status).toBe(200);
        expect((await call(app(), 'GET', url)).status).toBe(404);
        // Deleting again is fine, as MLflow.
        expect((await call(app(), 'DELETE', url)).status).toBe(200);
      });

      it('keep expectation values, serializing what is not a primitive', async () => {
        const traceId = await start();
        const post = (expectation: unknown) =>
          call(app(), 'POST', `${V3}/traces/${traceId}/assessments`, {
            assessment: {
              assessment_name: 'expected',
              source: { source_type: 'HUMAN', source_id: 'me' },
              expectation,
            },
          });
        const primitive = await post({ value: 'Paris' });
        expect(primitive.body.assessment.expectation).toEqual({ value: 'Paris' });
        const structured = await post({
          serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"cities": ["Paris"]}' },
        });
        expect(structured.status, structured.text).toBe(200);
        expect(structured.body.assessment.expectation).toEqual({
          serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"cities": ["Paris"]}' },
        });
        const unknownFormat = await post({
          serialized_value: { serialization_format: 'PICKLE', value: 'x' },
        });
        expect(unknownFormat.status).toBe(400);
      });

      it('answer MLflow errors', async () => {
        const traceId = await start();
        const noName = await call(app(), 'POST', `${V3}/traces/${traceId}/assessments`, {
          assessment: { source: { source_type: 'HUMAN', source_id: 'me' }, feedback: { value: 1 } },
        });
        expect(noName.status).toBe(400);
        expect(noName.body.message).toMatch(/'assessment.assessment_name'/);
        const none = await call(app(), 'POST', `${V3}/traces/${traceId}/assessments`, {});
        expect(none.body.message).toMatch(/^Missing value for required parameter 'assessment'/);
        const missingTrace = await call(app(), 'POST', `${V3}/traces/tr-${'e'.repeat(32)}/assessments`, {
          assessment: {
            assessment_name: 'x',
            source: { source_type: 'HUMAN', source_id: 'me' },
            feedback: { value: 1 },
          },
        });
        expect(missingTrace.status).toBe(404);
        const noMask = await call(app(), 'PATCH', `${V3}/traces/${traceId}/assessments/a-x`, {
          assessment: {},
        });
        expect(noMask.body.message).toMatch(/'update_mask'/);
        const missing = await call(app(), 'GET', `${V3}/traces/${traceId}/assessments/a-missing`);
        expect(missing.status).toBe(404);
        expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      });
    });

    describe('spans', () => {
      it('GetTrace and BatchGetTraces answer stored spans as OTLP Span JSON', async () => {
        const traceId = await start();
        await server.tracking.logSpans(experimentId, spansOf(traceId));
        const res = await call(app(), 'GET', `${V3}/traces/get?trace_id=${traceId}`);
        expect(res.status, res.text).toBe(200);
        expect(res.text).toContain('"start_time_unix_nano":1750000000000000001');
        const spans = res.body.trace.spans;
        expect(spans).toHaveLength(2);
        expect(spans[0]).toMatchObject({
          trace_id: Buffer.from(traceId.slice(3), 'hex').toString('base64'),
          span_id: Buffer.from(hex(1, 16), 'hex').toString('base64'),
          name: 'root',
          status: { code: 'STATUS_CODE_OK' },
        });
        expect(spans[0]).not.toHaveProperty('parent_span_id');
        expect(spans[1].parent_span_id).toBe(spans[0].span_id);
        expect(spans[0].attributes).toContainEqual({
          key: 'mlflow.spanInputs',
          value: { kvlist_value: { values: [{ key: 'question', value: { string_value: 'hi' } }] } },
        });
        expect(res.body.trace.trace_info.trace_id).toBe(traceId);
        // Python's requests sends bools as True/False.
        const partial = await call(app(), 'GET', `${V3}/traces/get?trace_id=${traceId}&allow_partial=True`);
        expect(partial.body).toEqual(res.body);
        expect(
          (await call(app(), 'GET', `${V3}/traces/get?trace_id=${traceId}&allow_partial=maybe`)).status,
        ).toBe(400);

        const other = await start();
        const batch = await call(
          app(),
          'GET',
          `${V3}/traces/batchGet?trace_ids=${traceId}&trace_ids=${other}&trace_ids=tr-${'d'.repeat(32)}`,
        );
        expect(batch.status, batch.text).toBe(200);
        expect(
          batch.body.traces.map((t: { trace_info: { trace_id: string } }) => t.trace_info.trace_id),
        ).toEqual([traceId, other]);
        expect(batch.body.traces[0].spans).toHaveLength(2);
        expect(batch.body.traces[1]).not.toHaveProperty('spans');
        expect((await call(app(), 'GET', `${V3}/traces/batchGet`)).status).toBe(400);
        expect((await call(app(), 'GET', `${V3}/traces/get`)).status).toBe(400);
        expect((await call(app(), 'GET', `${V3}/traces/get?trace_id=tr-${'c'.repeat(32)}`)).status).toBe(404);
      });

      it('get-trace-artifact writes stored spans as traces.json span dicts', async () => {
        const traceId = await start();
        await server.tracking.logSpans(experimentId, spansOf(traceId, 1));
        for (const prefix of ['/ajax-api/2.0/mlflow', '/ajax-api/3.0/mlflow']) {
          const res = await call(app(), 'GET', `${prefix}/get-trace-artifact?request_id=${traceId}`);
          expect(res.status, res.text).toBe(200);
          expect(res.headers['content-disposition']).toBe('attachment; filename=traces.json');
          expect(res.text).toContain('"start_time_unix_nano":1750000000000000001');
          const dict = res.body.spans[0];
          expect(dict).toMatchObject({
            trace_id: Buffer.from(traceId.slice(3), 'hex').toString('base64'),
            parent_span_id: '',
            name: 'root',
            status: { code: 'STATUS_CODE_OK', message: '' },
          });
          expect(dict.attributes['mlflow.traceRequestId']).toBe(JSON.stringify(traceId));
          expect(dict.attributes['mlflow.spanInputs']).toBe('{"question": "hi"}');
        }
      });

      it('falls back to the traces.json a client uploaded through the artifact proxy', async () => {
        const traceId = await start();
        const location = (await call(app(), 'GET', `${V3}/traces/${traceId}`)).body.trace.trace_info.tags[
          'mlflow.artifactLocation'
        ] as string;
        expect(location).toMatch(/^mlflow-artifacts:\//);
        // What MLflow 3 clients write: span dicts with base64 ids and JSON-dumped attribute values.
        const traceData = {
          spans: [
            {
              trace_id: Buffer.from(traceId.slice(3), 'hex').toString('base64'),
              span_id: Buffer.from(hex(9, 16), 'hex').toString('base64'),
              parent_span_id: '',
              name: 'uploaded',
              start_time_unix_nano: 'START',
              end_time_unix_nano: 'END',
              status: { code: 'STATUS_CODE_OK', message: '' },
              attributes: { 'mlflow.traceRequestId': JSON.stringify(traceId), 'mlflow.spanType': '"LLM"' },
              events: [],
            },
          ],
        };
        // Nanosecond times past 2^53, written exactly as Python writes them.
        const text = JSON.stringify(traceData)
          .replace('"START"', '1750000000123456789')
          .replace('"END"', '1750000000999999999');
        const path = location.replace(/^mlflow-artifacts:\/*/, '');
        const put = await app().inject({
          method: 'PUT',
          url: `/api/2.0/mlflow-artifacts/artifacts/${path}/traces.json`,
          payload: text,
          headers: { 'content-type': 'application/octet-stream' },
        });
        expect(put.statusCode, put.body).toBe(200);

        const res = await call(app(), 'GET', `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId}`);
        expect(res.status, res.text).toBe(200);
        expect(res.headers['content-disposition']).toBe('attachment; filename=traces.json');
        expect(res.text).toBe(text);

        // GetTrace reads the same file, so clients see its spans whichever way they ask.
        const got = await call(app(), 'GET', `${V3}/traces/get?trace_id=${traceId}`);
        expect(got.status, got.text).toBe(200);
        expect(got.body.trace.spans).toHaveLength(1);
        expect(got.text).toContain('"start_time_unix_nano":1750000000123456789');
        expect(got.text).toContain('"end_time_unix_nano":1750000000999999999');
        expect(got.body.trace.spans[0]).toMatchObject({
          name: 'uploaded',
          status: { code: 'STATUS_CODE_OK' },
        });
        expect(got.body.trace.spans[0].attributes).toContainEqual({
          key: 'mlflow.spanType',
          value: { string_value: 'LLM' },
        });
      });

      it('get-trace-artifact answers MLflow errors', async () => {
        const noId = await call(app(), 'GET', '/ajax-api/2.0/mlflow/get-trace-artifact');
        expect(noId.status).toBe(400);
        expect(noId.body).toEqual({
          error_code: 'BAD_REQUEST',
          message: 'Request must include the "request_id" query parameter.',
        });
        const unknown = await call(
          app(),
          'GET',
          `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=tr-${'b'.repeat(32)}`,
        );
        expect(unknown.status).toBe(404);
        expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
        expect(unknown.headers['content-disposition']).toBeUndefined();
        // A trace whose client has not uploaded its spans yet.
        const pending = await start();
        const res = await call(app(), 'GET', `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${pending}`);
        expect(res.status).toBe(404);
        const info = await call(app(), 'GET', `${V3}/traces/get?trace_id=${pending}`);
        expect(info.status).toBe(200);
        expect(info.body.trace).not.toHaveProperty('spans');
      });
    });
  });
}
