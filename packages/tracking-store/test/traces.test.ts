import type { StartTraceInput, TraceInfo } from '@flowline/core';
import { expectMlflowError, storeTargets, uniqueName } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';

// MLflow's trace store behaviours (tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_traces.py):
// v2 start/end, v3 start, search filters, order, paging, tags and deletion.

let counter = 0;
function traceId(): string {
  counter += 1;
  return `tr-${counter.toString(16).padStart(32, '0')}`;
}

for (const target of storeTargets()) {
  describe(`traces on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: '/tmp/flowline-artifacts' });
    });
    afterAll(async () => {
      await store.close();
      await drop();
    });

    const experiment = () => store.createExperiment({ name: uniqueName('traces') });

    async function start(experimentId: string, fields: Partial<StartTraceInput> = {}): Promise<TraceInfo> {
      return store.startTrace({
        traceId: traceId(),
        experimentId,
        requestTime: 1000,
        executionDuration: 10,
        state: 'OK',
        ...fields,
      });
    }

    it('starts and ends a v2 trace', async () => {
      const exp = await experiment();
      const started = await store.startTraceV2({
        experimentId: exp,
        timestampMs: 1234,
        requestMetadata: { rq1: 'foo', rq2: 'bar' },
        tags: { tag1: 'apple', tag2: 'orange' },
      });
      expect(started.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(started).toMatchObject({ experimentId: exp, requestTime: 1234, state: 'IN_PROGRESS' });
      expect(started.executionDuration).toBeUndefined();
      expect(started.tags['mlflow.artifactLocation']).toMatch(
        new RegExp(`/${exp}/traces/${started.traceId}/artifacts$`),
      );
      const ended = await store.endTraceV2(started.traceId, {
        timestampMs: 2345,
        status: 'OK',
        requestMetadata: { rq1: 'updated', rq3: 'baz' },
        tags: { tag1: 'updated', tag3: 'grape' },
      });
      expect(ended).toMatchObject({ executionDuration: 1111, state: 'OK' });
      expect(ended.traceMetadata).toEqual({ rq1: 'updated', rq2: 'bar', rq3: 'baz' });
      expect(ended.tags).toMatchObject({ tag1: 'updated', tag2: 'orange', tag3: 'grape' });
      expect(await store.getTraceInfo(started.traceId)).toEqual(ended);
    });

    it('starts a v3 trace as the client made it', async () => {
      const exp = await experiment();
      const id = traceId();
      const info = await store.startTrace({
        traceId: id,
        experimentId: exp,
        clientRequestId: 'client-1',
        requestTime: 1_700_000_000_000,
        executionDuration: 1500,
        state: 'ERROR',
        requestPreview: '{"x": 1}',
        responsePreview: '"ok"',
        traceMetadata: { 'mlflow.trace_schema.version': '3', 'mlflow.sourceRun': 'r1' },
        tags: { 'mlflow.traceName': 'predict', fruit: 'apple' },
      });
      expect(info).toMatchObject({
        traceId: id,
        experimentId: exp,
        clientRequestId: 'client-1',
        requestTime: 1_700_000_000_000,
        executionDuration: 1500,
        state: 'ERROR',
        requestPreview: '{"x": 1}',
        responsePreview: '"ok"',
        assessments: [],
      });
      expect(info.traceMetadata).toEqual({
        'mlflow.trace_schema.version': '3',
        'mlflow.sourceRun': 'r1',
        'mlflow.trace.infoFinalized': 'true',
      });
      expect(info.tags).toEqual({
        'mlflow.traceName': 'predict',
        fruit: 'apple',
        'mlflow.artifactLocation': `/tmp/flowline-artifacts/${exp}/traces/${id}/artifacts`,
      });
      expect(await store.getTraceInfo(id)).toEqual(info);
      expect(await store.batchGetTraceInfos([id, 'tr-missing', id])).toEqual([info]);
    });

    it('reports unknown traces and experiments', async () => {
      await expectMlflowError(
        store.getTraceInfo('tr-nope'),
        'RESOURCE_DOES_NOT_EXIST',
        "Trace with ID 'tr-nope' not found.",
      );
      await expectMlflowError(
        store.startTrace({ traceId: traceId(), experimentId: '999999', requestTime: 1, state: 'OK' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await expectMlflowError(
        store.endTraceV2('tr-nope', { timestampMs: 1, status: 'OK' }),
        'RESOURCE_DOES_NOT_EXIST',
        /Trace with ID/,
      );
      await expectMlflowError(
        store.startTrace({ traceId: traceId(), experimentId: '0', requestTime: 1, state: 'DONE' as never }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    describe('search', () => {
      let exp: string;
      const ids: string[] = [];
      beforeAll(async () => {
        exp = await experiment();
        const specs: Partial<StartTraceInput>[] = [
          {
            requestTime: 0,
            executionDuration: 6,
            state: 'OK',
            tags: { 'mlflow.traceName': 'aaa', fruit: 'apple', color: 'red' },
          },
          {
            requestTime: 1,
            executionDuration: 2,
            state: 'ERROR',
            tags: { 'mlflow.traceName': 'bbb', fruit: 'apple', color: 'green' },
          },
          {
            requestTime: 2,
            executionDuration: 15,
            state: 'OK',
            tags: { 'mlflow.traceName': 'ccc', fruit: 'orange' },
          },
          {
            requestTime: 3,
            executionDuration: 10,
            state: 'IN_PROGRESS',
            tags: { 'mlflow.traceName': 'ddd', color: 'blue' },
          },
          {
            requestTime: 4,
            executionDuration: 10,
            state: 'OK',
            traceMetadata: { 'mlflow.sourceRun': 'run-a', 'my.key': 'v1' },
          },
        ];
        for (const spec of specs) ids.push((await start(exp, spec)).traceId);
      });
      const search = async (filter?: string, orderBy?: string[]) =>
        (await store.searchTraces({ experimentIds: [exp], filter, orderBy })).items.map((t) =>
          ids.indexOf(t.traceId),
        );

      it('orders newest first by default, with MLflow order keys and tie-breakers', async () => {
        expect(await search()).toEqual([4, 3, 2, 1, 0]);
        expect(await search(undefined, ['timestamp'])).toEqual([0, 1, 2, 3, 4]);
        expect(await search(undefined, ['timestamp DESC'])).toEqual([4, 3, 2, 1, 0]);
        expect(await search(undefined, ['execution_time DESC', 'timestamp ASC'])).toEqual([2, 3, 4, 0, 1]);
        expect(await search(undefined, ['status'])).toEqual([1, 3, 4, 2, 0]);
        expect(await search(undefined, ['name'])).toEqual([0, 1, 2, 3, 4]);
        expect(await search(undefined, ['name DESC'])).toEqual([3, 2, 1, 0, 4]);
        expect(await search(undefined, ['tag.fruit'])).toEqual([1, 0, 2, 4, 3]);
        expect(await search(undefined, ['tag.fruit', 'tag.color DESC'])).toEqual([0, 1, 2, 3, 4]);
        expect(await search(undefined, ['tag.unknown'])).toEqual([4, 3, 2, 1, 0]);
        expect((await search(undefined, ['run_id']))[0]).toBe(4);
        expect(await search(undefined, ['experiment_id'])).toEqual([4, 3, 2, 1, 0]);
      });

      it('filters on attributes, tags and metadata', async () => {
        expect(await search("name = 'aaa'")).toEqual([0]);
        expect(await search("trace.name != 'aaa'")).toEqual([3, 2, 1]);
        expect(await search("name LIKE 'a%'")).toEqual([0]);
        expect(await search("status = 'OK'")).toEqual([4, 2, 0]);
        expect(await search("attributes.status != 'OK'")).toEqual([3, 1]);
        expect(await search("trace.state IN ('ERROR', 'IN_PROGRESS')")).toEqual([3, 1]);
        expect(await search('`timestamp` >= 1 AND execution_time < 10')).toEqual([1]);
        expect(await search('trace.timestamp_ms > 2')).toEqual([4, 3]);
        expect(await search('trace.end_time_ms = 17')).toEqual([2]);
        expect(await search("tag.fruit = 'apple'")).toEqual([1, 0]);
        expect(await search("tags.fruit = 'apple' AND tags.color = 'red'")).toEqual([0]);
        expect(await search("tags.`mlflow.traceName` = 'bbb'")).toEqual([1]);
        expect(await search("run_id = 'run-a'")).toEqual([4]);
        expect(await search("metadata.`my.key` = 'v1'")).toEqual([4]);
        expect(await search("request_metadata.`mlflow.sourceRun` = 'run-a'")).toEqual([4]);
        expect(await search("metadata.`my.key` ILIKE 'V%'")).toEqual([4]);
        expect(await search(`request_id = '${ids[2]}'`)).toEqual([2]);
      });

      it('refuses invalid filters and limits with MLflow messages', async () => {
        const bad = (filter: string, message: RegExp) =>
          expectMlflowError(
            store.searchTraces({ experimentIds: [exp], filter }),
            'INVALID_PARAMETER_VALUE',
            message,
          );
        await bad("foo.bar = 'x'", /Invalid entity type 'foo'/);
        await bad("trace.nope = 'x'", /Invalid attribute key 'nope'/);
        await bad("trace.status < 'OK'", /Invalid comparator '<'/);
        await bad("name IN ('a')", /Invalid comparator 'IN'/);
        await bad("status = 'OK' OR name = 'a'", /Invalid clause\(s\) in filter string/);
        await bad('timestamp_ms > "abc"', /Expected numeric value/);
        await bad("span.nope = 'x'", /Invalid span attribute 'nope'/);
        await bad("span.content = 'x'", /span.content comparator '=' not one of/);
        await expectMlflowError(
          store.searchTraces({ experimentIds: [exp], orderBy: ['nope'] }),
          'INVALID_PARAMETER_VALUE',
          /Invalid order_by key/,
        );
        for (const maxResults of [50_001, -1, 0]) {
          await expectMlflowError(
            store.searchTraces({ experimentIds: [exp], maxResults }),
            'INVALID_PARAMETER_VALUE',
            `Invalid value ${maxResults} for parameter 'max_results' supplied`,
          );
        }
      });

      it('pages with offset tokens, the last page without a token', async () => {
        const seen: string[] = [];
        const sizes: number[] = [];
        let pageToken: string | undefined;
        do {
          const page = await store.searchTraces({ experimentIds: [exp], maxResults: 2, pageToken });
          sizes.push(page.items.length);
          seen.push(...page.items.map((t) => t.traceId));
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(sizes).toEqual([2, 2, 1]);
        expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => ids[i]));
        const token = (await store.searchTraces({ experimentIds: [exp], maxResults: 2 })).nextPageToken!;
        expect(JSON.parse(Buffer.from(token, 'base64').toString())).toMatchObject({ offset: 2 });
      });

      it('breaks ties on timestamp by trace id', async () => {
        const tied = await experiment();
        const made = [];
        for (let i = 0; i < 4; i++) made.push((await start(tied, { requestTime: 7 })).traceId);
        const pages: string[] = [];
        let pageToken: string | undefined;
        do {
          const page = await store.searchTraces({ experimentIds: [tied], maxResults: 3, pageToken });
          pages.push(...page.items.map((t) => t.traceId));
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(pages).toEqual([...made].sort());
      });

      it('finds traces of a run by metadata or by link', async () => {
        const runExp = await experiment();
        const run = await store.createRun({ experimentId: runExp });
        const bySource = await start(runExp, { traceMetadata: { 'mlflow.sourceRun': run.info.runId } });
        const linked = await start(runExp, { requestTime: 5 });
        await start(runExp, { requestTime: 6 });
        await store.linkTracesToRun([linked.traceId], run.info.runId);
        await store.linkTracesToRun([linked.traceId], run.info.runId);
        const found = await store.searchTraces({
          experimentIds: [runExp],
          filter: `run_id = '${run.info.runId}'`,
        });
        expect(found.items.map((t) => t.traceId)).toEqual([bySource.traceId, linked.traceId]);
        const both = await store.searchTraces({
          experimentIds: [runExp],
          filter: `run_id = '${run.info.runId}' AND trace.timestamp_ms > 1000`,
        });
        expect(both.items.map((t) => t.traceId)).toEqual([]);
        await expectMlflowError(
          store.linkTracesToRun(['tr-nope'], run.info.runId),
          'RESOURCE_DOES_NOT_EXIST',
        );
        await expectMlflowError(
          store.linkTracesToRun([linked.traceId], 'f'.repeat(32)),
          'RESOURCE_DOES_NOT_EXIST',
        );
        await expectMlflowError(
          store.linkTracesToRun(
            Array.from({ length: 101 }, (_, i) => `t${i}`),
            run.info.runId,
          ),
          'INVALID_PARAMETER_VALUE',
          /more than 100/,
        );
      });
    });

    it('sets, overwrites and deletes tags', async () => {
      const exp = await experiment();
      const { traceId: id } = await start(exp);
      await store.setTraceTag(id, 'tag1', 'red');
      await store.setTraceTag(id, 'tag2', 'green');
      await store.setTraceTag(id, 'tag1', 'blue');
      expect((await store.getTraceInfo(id)).tags).toMatchObject({ tag1: 'blue', tag2: 'green' });
      await store.deleteTraceTag(id, 'tag1');
      expect((await store.getTraceInfo(id)).tags.tag1).toBeUndefined();
      await expectMlflowError(
        store.deleteTraceTag(id, 'tag1'),
        'RESOURCE_DOES_NOT_EXIST',
        "No trace tag with key 'tag1'",
      );
      await store.setTraceTag(id, 'long', 'x'.repeat(9000));
      expect((await store.getTraceInfo(id)).tags.long).toHaveLength(8000);
      await expectMlflowError(store.setTraceTag('tr-nope', 'a', 'b'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses invalid tag keys', async () => {
      const exp = await experiment();
      const { traceId: id } = await start(exp);
      await expectMlflowError(
        store.setTraceTag(id, null as never, 'x'),
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'key'",
      );
      for (const key of ['?!:(', '/.:\\.', '../']) {
        await expectMlflowError(
          store.setTraceTag(id, key, 'x'),
          'INVALID_PARAMETER_VALUE',
          /Invalid tag name/,
        );
      }
      await expectMlflowError(
        store.setTraceTag(id, 'a'.repeat(251), 'x'),
        'INVALID_PARAMETER_VALUE',
        "'key' exceeds the maximum length of 250 characters",
      );
    });

    describe('delete', () => {
      it('deletes by max timestamp, per experiment, inclusive', async () => {
        const [a, b] = [await experiment(), await experiment()];
        for (const t of [0, 1, 2]) await start(a, { requestTime: t });
        for (const t of [0, 1]) await start(b, { requestTime: t });
        expect(await store.deleteTraces({ experimentId: a, maxTimestampMillis: 1 })).toBe(2);
        expect((await store.searchTraces({ experimentIds: [a] })).items.map((t) => t.requestTime)).toEqual([
          2,
        ]);
        expect((await store.searchTraces({ experimentIds: [b] })).items).toHaveLength(2);
        expect(await store.deleteTraces({ experimentId: b, maxTimestampMillis: 100 })).toBe(2);
      });

      it('deletes at most max_traces, oldest first', async () => {
        const exp = await experiment();
        for (const t of [5, 1, 3, 2]) await start(exp, { requestTime: t });
        expect(await store.deleteTraces({ experimentId: exp, maxTimestampMillis: 10, maxTraces: 2 })).toBe(2);
        expect((await store.searchTraces({ experimentIds: [exp] })).items.map((t) => t.requestTime)).toEqual([
          5, 3,
        ]);
      });

      it('deletes by ids, with tags, metadata and assessments', async () => {
        const exp = await experiment();
        const [one, two] = [
          await start(exp, { tags: { a: 'b' }, traceMetadata: { c: 'd' } }),
          await start(exp),
        ];
        await store.createAssessment({
          traceId: one.traceId,
          name: 'q',
          source: { sourceType: 'HUMAN', sourceId: 'me' },
          feedback: { value: true },
        });
        expect(await store.deleteTraces({ experimentId: exp, traceIds: [one.traceId, 'tr-missing'] })).toBe(
          1,
        );
        await expectMlflowError(store.getTraceInfo(one.traceId), 'RESOURCE_DOES_NOT_EXIST');
        expect((await store.getTraceInfo(two.traceId)).traceId).toBe(two.traceId);
        expect(await store.deleteTraces({ experimentId: '0', traceIds: [two.traceId] })).toBe(0);
      });

      it('refuses contradictory arguments with MLflow messages', async () => {
        const bad = (options: Parameters<SqlTrackingStore['deleteTraces']>[0], message: string) =>
          expectMlflowError(store.deleteTraces(options), 'INVALID_PARAMETER_VALUE', message);
        await bad({ experimentId: '0' }, 'Either `max_timestamp_millis` or `trace_ids` must be specified.');
        await bad(
          { experimentId: '0', maxTimestampMillis: 1, traceIds: ['a'] },
          'Only one of `max_timestamp_millis` and `trace_ids` can be specified.',
        );
        await bad(
          { experimentId: '0', traceIds: ['a'], maxTraces: 2 },
          "`max_traces` can't be specified if `trace_ids` is specified.",
        );
        await bad(
          { experimentId: '0', maxTimestampMillis: 1, maxTraces: 0 },
          '`max_traces` must be a positive integer, received 0',
        );
      });
    });
  });
}
