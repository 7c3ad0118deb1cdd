import { openDatabase } from '@flowline/db';
import { describeSchema, SEEDED, SEEDED_ALEMBIC_REVISION, storeTargets } from '@flowline/testkit';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';
import { mlflowDatabase, schemasAfterWriting, useCleanups } from './test-databases.js';

// Traces written by Flowline land in MLflow's own tables under MLflow's own DDL (the 3.10 schema fixtures),
// leave the schema as MLflow made it, and hold the values MLflow's SqlAlchemyStore reads.

const cleanups = useCleanups();

const OTEL = '0123456789abcdef0123456789abcdef';
const TRACE_ID = `tr-${OTEL}`;
const START = 1_700_000_000_123_456_789n;

async function writeTraces(store: SqlTrackingStore, experimentId: string, runId: string): Promise<void> {
  await store.logSpans(experimentId, [
    {
      traceId: TRACE_ID,
      otelTraceId: OTEL,
      spanId: '000000000000006f',
      name: 'predict',
      type: 'CHAIN',
      status: 'OK',
      startTimeUnixNano: START,
      endTimeUnixNano: START + 2_500_000n,
      attributes: { 'mlflow.spanInputs': { q: 'hi' }, 'mlflow.spanOutputs': 'hello' },
      events: [],
    },
  ]);
  await store.setTraceTag(TRACE_ID, 'note', 'kept');
  await store.linkTracesToRun([TRACE_ID], runId);
  const original = await store.createAssessment({
    traceId: TRACE_ID,
    name: 'quality',
    source: { sourceType: 'HUMAN', sourceId: 'alice' },
    feedback: { value: 'bad' },
  });
  await store.createAssessment({
    traceId: TRACE_ID,
    name: 'quality',
    source: { sourceType: 'HUMAN', sourceId: 'bob' },
    feedback: { value: 'good' },
    overrides: original.assessmentId,
  });
  const v2 = await store.startTraceV2({ experimentId, timestampMs: 5, tags: { a: 'b' } });
  await store.endTraceV2(v2.traceId, { timestampMs: 9, status: 'ERROR' });
}

for (const target of storeTargets()) {
  describe(`traces in an MLflow database on ${target.name}`, () => {
    it('are written under MLflow’s DDL, leaving its schema unchanged, in the columns MLflow reads', async () => {
      const { uri, schema } = await mlflowDatabase(target, cleanups);

      const store = await SqlTrackingStore.open(uri);
      cleanups.push(() => store.close());
      expect(store.migration).toMatchObject({ alembicRevision: SEEDED_ALEMBIC_REVISION });
      await writeTraces(store, SEEDED.experimentId, SEEDED.runId);

      const check = await openDatabase(uri);
      cleanups.push(() => check.close());
      expect(await describeSchema(check.db, check.dialect, { ignore: /^flowline_/ })).toEqual(schema);
      const db = check.db;
      const info = await sql<Record<string, unknown>>`select request_id, experiment_id, status,
        cast(timestamp_ms as text) as ts, cast(execution_time_ms as text) as exec, request_preview, response_preview
        from trace_info order by timestamp_ms desc`.execute(db);
      expect(info.rows[0]).toMatchObject({
        request_id: TRACE_ID,
        experiment_id: Number(SEEDED.experimentId),
        status: 'OK',
        ts: String(START / 1_000_000n),
        exec: '2',
        request_preview: '{"q": "hi"}',
        response_preview: '"hello"',
      });
      expect(info.rows[1]).toMatchObject({ status: 'ERROR', ts: '5', exec: '4' });
      const spans = await sql<Record<string, unknown>>`select span_id, status, type,
        cast(duration_ns as text) as duration from spans`.execute(db);
      expect(spans.rows).toEqual([
        { span_id: '000000000000006f', status: 'OK', type: 'CHAIN', duration: '2500000' },
      ]);
      const assessments = await sql<{
        valid: unknown;
        source_id: string;
      }>`select valid, source_id from assessments
        order by source_id`.execute(db);
      expect(assessments.rows.map((r) => [r.source_id, r.valid === true || r.valid === 1])).toEqual([
        ['alice', false],
        ['bob', true],
      ]);
      const links = await sql<
        Record<string, unknown>
      >`select source_type, source_id, destination_type, destination_id
        from entity_associations`.execute(db);
      expect(links.rows).toEqual([
        { source_type: 'trace', source_id: TRACE_ID, destination_type: 'run', destination_id: SEEDED.runId },
      ]);
      const tags = await sql<{
        key: string;
      }>`select key from trace_tags where request_id = ${TRACE_ID} order by key`.execute(db);
      expect(tags.rows.map((r) => r.key)).toEqual(['mlflow.trace.spansLocation', 'mlflow.traceName', 'note']);
    });

    it('keep a Flowline database identical to MLflow’s schema', async () => {
      const { ours, theirs } = await schemasAfterWriting(target, cleanups, (store, runId) =>
        writeTraces(store, '0', runId),
      );
      expect(ours).toEqual(theirs);
    });
  });
}
