import {
  ASSESSMENT_SOURCE_TYPES,
  type Assessment,
  type AssessmentError,
  type AssessmentPatch,
  type AssessmentUpdateField,
  type CreateAssessmentInput,
  generateRunId,
  MlflowError,
} from '@flowline/core';
import type { Selectable } from 'kysely';
import type { StoreContext } from '../context.js';
import { chunk, fromDbBool, toNumber } from '../values.js';
import { dumpJson, loadJson } from './json.js';
import { type AssessmentsTable, type TraceDb, traceDb } from './tables.js';
import { requireTraceRow } from './trace-rows.js';

type AssessmentRow = Selectable<AssessmentsTable>;

/** MLflow's metadata key naming the run an assessment was made in, used when `runId` is not given. */
const SOURCE_RUN_ID_KEY = 'mlflow.assessment.sourceRunId';
const UPDATE_FIELDS: readonly AssessmentUpdateField[] = [
  'assessment_name',
  'expectation',
  'feedback',
  'rationale',
  'metadata',
  'valid',
];

function assessmentNotFound(traceId: string, assessmentId: string): MlflowError {
  return MlflowError.resourceDoesNotExist(
    `Assessment with ID '${assessmentId}' not found for trace '${traceId}'.`,
  );
}

function toError(text: string | null): AssessmentError | undefined {
  if (text === null) return undefined;
  const raw = loadJson(text) as Record<string, unknown> | string;
  if (typeof raw !== 'object' || raw === null) return { errorCode: String(raw) };
  const error: AssessmentError = { errorCode: String(raw.error_code ?? '') };
  if (typeof raw.error_message === 'string') error.errorMessage = raw.error_message;
  if (typeof raw.stack_trace === 'string') error.stackTrace = raw.stack_trace;
  return error;
}

function errorText(error: AssessmentError | undefined): string | null {
  if (!error) return null;
  return dumpJson({
    error_code: error.errorCode,
    error_message: error.errorMessage,
    stack_trace: error.stackTrace,
  });
}

/** An `assessments` row as an `Assessment` (MLflow's `SqlAssessments.to_mlflow_entity`). */
export function toAssessment(row: AssessmentRow): Assessment {
  const metadata = row.assessment_metadata === null ? {} : loadJson(row.assessment_metadata);
  const assessment: Assessment = {
    assessmentId: row.assessment_id,
    traceId: row.trace_id,
    name: row.name,
    source: {
      sourceType: (ASSESSMENT_SOURCE_TYPES as readonly string[]).includes(row.source_type)
        ? (row.source_type as Assessment['source']['sourceType'])
        : 'SOURCE_TYPE_UNSPECIFIED',
      sourceId: row.source_id ?? '',
    },
    createTime: toNumber(row.created_timestamp) ?? 0,
    lastUpdateTime: toNumber(row.last_updated_timestamp) ?? 0,
    metadata: Object.fromEntries(
      Object.entries(typeof metadata === 'object' && metadata !== null ? metadata : {}).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : dumpJson(v),
      ]),
    ),
    valid: fromDbBool(row.valid),
  };
  const value = loadJson(row.value);
  if (row.assessment_type === 'expectation') {
    assessment.expectation = { value };
  } else {
    const error = toError(row.error);
    assessment.feedback = error ? { value, error } : { value };
  }
  if (row.span_id) assessment.spanId = row.span_id;
  if (row.run_id) assessment.runId = row.run_id;
  if (row.rationale !== null) assessment.rationale = row.rationale;
  if (row.overrides) assessment.overrides = row.overrides;
  return assessment;
}

/** The assessments of traces, by trace id, oldest first. */
export async function loadAssessments(db: TraceDb, traceIds: string[]): Promise<Map<string, Assessment[]>> {
  const byTrace = new Map<string, Assessment[]>();
  for (const ids of chunk(traceIds, 500)) {
    const rows = await db
      .selectFrom('assessments')
      .selectAll()
      .where('trace_id', 'in', ids)
      .orderBy('created_timestamp')
      .orderBy('assessment_id')
      .execute();
    for (const row of rows) {
      const list = byTrace.get(row.trace_id) ?? [];
      list.push(toAssessment(row));
      byTrace.set(row.trace_id, list);
    }
  }
  return byTrace;
}

async function requireAssessmentRow(db: TraceDb, traceId: string, assessmentId: string) {
  const row = await db
    .selectFrom('assessments')
    .selectAll()
    .where('trace_id', '=', traceId)
    .where('assessment_id', '=', assessmentId)
    .executeTakeFirst();
  if (!row) throw assessmentNotFound(traceId, assessmentId);
  return row;
}

function checkValueKind(input: { feedback?: unknown; expectation?: unknown }): 'feedback' | 'expectation' {
  if ((input.feedback === undefined) === (input.expectation === undefined)) {
    throw MlflowError.invalidParameterValue(
      'An assessment must have exactly one of `feedback` and `expectation`.',
    );
  }
  return input.feedback !== undefined ? 'feedback' : 'expectation';
}

function checkMetadata(metadata: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? v : dumpJson(v)]),
  );
}

/** Creates an assessment (MLflow's `create_assessment`); with `overrides`, the overridden becomes invalid. */
export async function createAssessment(ctx: StoreContext, input: CreateAssessmentInput): Promise<Assessment> {
  if (typeof input.name !== 'string' || input.name === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'assessment_name'.`);
  }
  if (!input.source || !(ASSESSMENT_SOURCE_TYPES as readonly string[]).includes(input.source.sourceType)) {
    throw MlflowError.invalidParameterValue(
      `Invalid assessment source type ${JSON.stringify(input.source?.sourceType)}: use one of ` +
        `${ASSESSMENT_SOURCE_TYPES.join(', ')}.`,
    );
  }
  const kind = checkValueKind(input);
  const value = kind === 'feedback' ? input.feedback!.value : input.expectation!.value;
  const metadata = checkMetadata(input.metadata ?? {});
  const assessmentId = input.assessmentId || `a-${generateRunId()}`;
  const created = input.createTime ?? ctx.clock.now();
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const trace = await requireTraceRow(trx, input.traceId);
      if (input.overrides) {
        await requireAssessmentRow(trx, trace.request_id, input.overrides);
        await trx
          .updateTable('assessments')
          .set({ valid: 0 })
          .where('assessment_id', '=', input.overrides)
          .execute();
      }
      await trx
        .insertInto('assessments')
        .values({
          assessment_id: assessmentId,
          trace_id: trace.request_id,
          name: input.name,
          assessment_type: kind,
          value: dumpJson(value),
          error: kind === 'feedback' ? errorText(input.feedback!.error) : null,
          created_timestamp: created,
          last_updated_timestamp: input.lastUpdateTime ?? created,
          source_type: input.source.sourceType,
          source_id: input.source.sourceId ?? null,
          run_id: input.runId ?? metadata[SOURCE_RUN_ID_KEY] ?? null,
          span_id: input.spanId ?? null,
          rationale: input.rationale ?? null,
          overrides: input.overrides ?? null,
          valid: input.valid === false ? 0 : 1,
          assessment_metadata: Object.keys(metadata).length > 0 ? dumpJson(metadata) : null,
        })
        .execute();
    });
  return getAssessment(ctx, input.traceId, assessmentId);
}

/** One assessment of a trace (MLflow's `get_assessment`). */
export async function getAssessment(
  ctx: StoreContext,
  traceId: string,
  assessmentId: string,
): Promise<Assessment> {
  const db = traceDb(ctx);
  const trace = await requireTraceRow(db, traceId);
  return toAssessment(await requireAssessmentRow(db, trace.request_id, assessmentId));
}

/** Updates the fields named in `updateMask` (MLflow's `update_assessment`); metadata keys are merged. */
export async function updateAssessment(
  ctx: StoreContext,
  traceId: string,
  assessmentId: string,
  patch: AssessmentPatch,
  updateMask: readonly AssessmentUpdateField[],
): Promise<Assessment> {
  for (const field of updateMask) {
    if (!UPDATE_FIELDS.includes(field)) {
      throw MlflowError.invalidParameterValue(
        `Invalid update_mask path '${field}': an assessment's updatable fields are ${UPDATE_FIELDS.join(', ')}.`,
      );
    }
  }
  const mask = new Set(updateMask);
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const trace = await requireTraceRow(trx, traceId);
      const row = await requireAssessmentRow(trx, trace.request_id, assessmentId);
      const set: Partial<AssessmentRow> = {};
      if (mask.has('assessment_name')) {
        if (!patch.name) {
          throw MlflowError.invalidParameterValue(`Missing value for required parameter 'assessment_name'.`);
        }
        set.name = patch.name;
      }
      if (mask.has('feedback')) {
        if (row.assessment_type !== 'feedback') {
          throw MlflowError.invalidParameterValue(
            'Cannot update feedback value on an Expectation assessment.',
          );
        }
        set.value = dumpJson(patch.feedback?.value ?? null);
        set.error = errorText(patch.feedback?.error);
      }
      if (mask.has('expectation')) {
        if (row.assessment_type !== 'expectation') {
          throw MlflowError.invalidParameterValue(
            'Cannot update expectation value on a Feedback assessment.',
          );
        }
        set.value = dumpJson(patch.expectation?.value ?? null);
      }
      if (mask.has('rationale')) set.rationale = patch.rationale ?? null;
      if (mask.has('valid')) set.valid = patch.valid === false ? 0 : 1;
      if (mask.has('metadata')) {
        const merged = { ...toAssessment(row).metadata, ...checkMetadata(patch.metadata ?? {}) };
        set.assessment_metadata = Object.keys(merged).length > 0 ? dumpJson(merged) : null;
      }
      set.last_updated_timestamp = Math.max(ctx.clock.now(), toNumber(row.last_updated_timestamp) ?? 0);
      await trx.updateTable('assessments').set(set).where('assessment_id', '=', row.assessment_id).execute();
    });
  return getAssessment(ctx, traceId, assessmentId);
}

/**
 * Deletes an assessment; a missing one is fine (MLflow's delete is idempotent). Deleting an override makes the
 * assessment it replaced valid again.
 */
export async function deleteAssessment(
  ctx: StoreContext,
  traceId: string,
  assessmentId: string,
): Promise<void> {
  await traceDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .selectFrom('assessments')
        .select(['assessment_id', 'overrides'])
        .where('trace_id', '=', traceId)
        .where('assessment_id', '=', assessmentId)
        .executeTakeFirst();
      if (!row) return;
      if (row.overrides) {
        await trx
          .updateTable('assessments')
          .set({ valid: 1 })
          .where('assessment_id', '=', row.overrides)
          .execute();
      }
      await trx.deleteFrom('assessments').where('assessment_id', '=', assessmentId).execute();
    });
}
