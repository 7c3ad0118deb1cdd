import { type CreateAssessmentInput, createSteppingClock } from '@flowline/core';
import { expectMlflowError, storeTargets, uniqueName } from '@flowline/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlTrackingStore } from '../src/index.js';

// MLflow's assessment behaviours (tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_assessments.py).

let counter = 0;
const human = { sourceType: 'HUMAN', sourceId: 'alice@example.com' } as const;

for (const target of storeTargets()) {
  describe(`assessments on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let drop: () => Promise<void>;
    let exp: string;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri, {
        defaultArtifactRoot: '/tmp/flowline-artifacts',
        clock: createSteppingClock(1_700_000_000_000, 1000),
      });
      exp = await store.createExperiment({ name: uniqueName('assessments') });
    });
    afterAll(async () => {
      await store.close();
      await drop();
    });

    async function trace(): Promise<string> {
      counter += 1;
      const traceId = `tr-${counter.toString(16).padStart(32, 'a')}`;
      await store.startTrace({ traceId, experimentId: exp, requestTime: 1, state: 'OK' });
      return traceId;
    }

    const feedback = (
      traceId: string,
      extra: Partial<CreateAssessmentInput> = {},
    ): CreateAssessmentInput => ({
      traceId,
      name: 'correctness',
      source: human,
      feedback: { value: true },
      rationale: 'looks right',
      metadata: { project: 'p1' },
      spanId: '000000000000006f',
      ...extra,
    });

    it('creates and reads feedback and expectations', async () => {
      const id = await trace();
      const created = await store.createAssessment(feedback(id));
      expect(created.assessmentId).toMatch(/^a-[0-9a-f]{32}$/);
      expect(created).toMatchObject({
        traceId: id,
        name: 'correctness',
        source: human,
        feedback: { value: true },
        rationale: 'looks right',
        metadata: { project: 'p1' },
        spanId: '000000000000006f',
        valid: true,
      });
      expect(created.lastUpdateTime).toBe(created.createTime);
      const expectation = await store.createAssessment({
        traceId: id,
        name: 'expected_answer',
        source: { sourceType: 'CODE', sourceId: 'labeler' },
        expectation: { value: { answer: 42, facts: ['a', 'b'] } },
      });
      expect(expectation).toMatchObject({
        expectation: { value: { answer: 42, facts: ['a', 'b'] } },
        metadata: {},
      });
      const failed = await store.createAssessment({
        traceId: id,
        name: 'judge',
        source: { sourceType: 'LLM_JUDGE', sourceId: 'gpt' },
        feedback: { value: null, error: { errorCode: 'RATE_LIMIT', errorMessage: 'slow down' } },
      });
      expect(failed.feedback).toEqual({
        value: null,
        error: { errorCode: 'RATE_LIMIT', errorMessage: 'slow down' },
      });
      expect(await store.getAssessment(id, created.assessmentId)).toEqual(created);
      expect((await store.getTraceInfo(id)).assessments.map((a) => a.assessmentId)).toEqual([
        created.assessmentId,
        expectation.assessmentId,
        failed.assessmentId,
      ]);
    });

    it('stores rows as MLflow does', async () => {
      const id = await trace();
      const created = await store.createAssessment(
        feedback(id, { metadata: { 'mlflow.assessment.sourceRunId': 'run-1' }, feedback: { value: 'yes' } }),
      );
      const { rows } = await sql<
        Record<string, unknown>
      >`select * from assessments where assessment_id = ${created.assessmentId}`.execute(store.database.db);
      expect(rows[0]).toMatchObject({
        trace_id: id,
        name: 'correctness',
        assessment_type: 'feedback',
        value: '"yes"',
        error: null,
        source_type: 'HUMAN',
        source_id: 'alice@example.com',
        run_id: 'run-1',
        span_id: '000000000000006f',
        rationale: 'looks right',
        overrides: null,
        assessment_metadata: '{"mlflow.assessment.sourceRunId": "run-1"}',
      });
      expect([true, 1]).toContain(rows[0]!.valid);
      expect(created.runId).toBe('run-1');
    });

    it('reports missing traces and assessments', async () => {
      const id = await trace();
      await expectMlflowError(
        store.getAssessment('tr-nope', 'a-1'),
        'RESOURCE_DOES_NOT_EXIST',
        "Trace with ID 'tr-nope' not found",
      );
      await expectMlflowError(
        store.getAssessment(id, 'a-nope'),
        'RESOURCE_DOES_NOT_EXIST',
        "Assessment with ID 'a-nope' not found for trace",
      );
      await expectMlflowError(
        store.createAssessment(feedback('tr-nope')),
        'RESOURCE_DOES_NOT_EXIST',
        /Trace with ID/,
      );
      await expectMlflowError(
        store.updateAssessment(id, 'a-nope', { rationale: 'x' }, ['rationale']),
        'RESOURCE_DOES_NOT_EXIST',
        /Assessment with ID 'a-nope'/,
      );
      await expectMlflowError(
        store.createAssessment({ ...feedback(id), expectation: { value: 1 } }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('updates only the fields in the mask, merging metadata and moving last_update_time', async () => {
      const id = await trace();
      const created = await store.createAssessment(feedback(id, { metadata: { a: '1', b: '2' } }));
      const updated = await store.updateAssessment(
        id,
        created.assessmentId,
        { name: 'renamed', rationale: 'changed', feedback: { value: 0.5 }, metadata: { b: 'two', c: '3' } },
        ['rationale', 'metadata', 'feedback'],
      );
      expect(updated).toMatchObject({
        name: 'correctness',
        rationale: 'changed',
        feedback: { value: 0.5 },
        metadata: { a: '1', b: 'two', c: '3' },
        createTime: created.createTime,
      });
      expect(updated.lastUpdateTime).toBeGreaterThan(created.lastUpdateTime);
      const renamed = await store.updateAssessment(id, created.assessmentId, { name: 'renamed' }, [
        'assessment_name',
      ]);
      expect(renamed).toMatchObject({ name: 'renamed', rationale: 'changed' });
      const exp2 = await store.createAssessment({
        traceId: id,
        name: 'expected',
        source: human,
        expectation: { value: 'a' },
      });
      expect(
        (
          await store.updateAssessment(id, exp2.assessmentId, { expectation: { value: ['b'] } }, [
            'expectation',
          ])
        ).expectation,
      ).toEqual({ value: ['b'] });
    });

    it('refuses to change the kind of an assessment', async () => {
      const id = await trace();
      const fb = await store.createAssessment(feedback(id));
      const ex = await store.createAssessment({
        traceId: id,
        name: 'e',
        source: human,
        expectation: { value: 1 },
      });
      await expectMlflowError(
        store.updateAssessment(id, fb.assessmentId, { expectation: { value: 1 } }, ['expectation']),
        'INVALID_PARAMETER_VALUE',
        'Cannot update expectation value on a Feedback assessment',
      );
      await expectMlflowError(
        store.updateAssessment(id, ex.assessmentId, { feedback: { value: 1 } }, ['feedback']),
        'INVALID_PARAMETER_VALUE',
        'Cannot update feedback value on an Expectation assessment',
      );
    });

    it('overrides: the old assessment becomes invalid, and valid again when the override is deleted', async () => {
      const id = await trace();
      const original = await store.createAssessment(feedback(id, { feedback: { value: 'bad' } }));
      const override = await store.createAssessment(
        feedback(id, { feedback: { value: 'good' }, overrides: original.assessmentId }),
      );
      expect(override).toMatchObject({ overrides: original.assessmentId, valid: true });
      expect((await store.getAssessment(id, original.assessmentId)).valid).toBe(false);
      await store.deleteAssessment(id, override.assessmentId);
      expect((await store.getAssessment(id, original.assessmentId)).valid).toBe(true);
      await expectMlflowError(
        store.createAssessment(feedback(id, { overrides: 'a-missing' })),
        'RESOURCE_DOES_NOT_EXIST',
        /a-missing/,
      );
    });

    it('finds traces by their valid feedback and expectations', async () => {
      const [good, bad, overridden] = [await trace(), await trace(), await trace()];
      await store.createAssessment(feedback(good, { name: 'quality', feedback: { value: 'good' } }));
      await store.createAssessment(feedback(bad, { name: 'quality', feedback: { value: 'bad' } }));
      await store.createAssessment({ traceId: bad, name: 'score', source: human, expectation: { value: 5 } });
      const old = await store.createAssessment(
        feedback(overridden, { name: 'quality', feedback: { value: 'good' } }),
      );
      await store.createAssessment(
        feedback(overridden, { name: 'quality', feedback: { value: 'bad' }, overrides: old.assessmentId }),
      );
      const search = async (filter: string) =>
        (await store.searchTraces({ experimentIds: [exp], filter })).items.map((t) => t.traceId).sort();
      expect(await search("feedback.quality = 'good'")).toEqual([good]);
      expect(await search("feedback.`quality` != 'good'")).toEqual([bad, overridden].sort());
      expect(await search("feedback.quality LIKE '%oo%'")).toEqual([good]);
      expect(await search("expectation.score = '5'")).toEqual([bad]);
      expect(await search("expectation.quality = 'good'")).toEqual([]);
    });

    it('deletes idempotently', async () => {
      const id = await trace();
      const created = await store.createAssessment(feedback(id));
      await store.deleteAssessment(id, created.assessmentId);
      await store.deleteAssessment(id, created.assessmentId);
      await store.deleteAssessment('tr-nope', 'a-nope');
      await expectMlflowError(store.getAssessment(id, created.assessmentId), 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
