import { isMlflowError, MlflowError, type TraceStore, type TrackingStore } from '@flowline/core';
import { getCurrentActiveSpan, updateCurrentTrace } from '@flowline/tracing';
import { mergeLinkedPrompts, type PromptRef, PromptTags } from './prompt-version.js';
import { TrackingClient } from './tracking-client.js';

/** Trace ids to what the prompts loaded inside them linked, so a trace's tag lists all of them. */
const traceLinks = new Map<string, string>();
/** Per run or trace, the link update in progress: updates read and rewrite one tag, so they take turns. */
const linkQueues = new Map<string, Promise<unknown>>();

/** Runs `update` after the earlier updates of the same tag in this process (MLflow holds a lock). */
async function inTurn(key: string, update: () => Promise<void>): Promise<void> {
  const previous = linkQueues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(update);
  linkQueues.set(key, next);
  try {
    await next;
  } finally {
    if (linkQueues.get(key) === next) linkQueues.delete(key);
  }
}

/** Adds prompt versions to a run's `mlflow.linkedPrompts` tag (MLflow's `link_prompt_version_to_run`). */
export async function linkToRun(store: TrackingStore, runId: string, refs: PromptRef[]): Promise<void> {
  await inTurn(`run:${runId}`, async () => {
    let run: Awaited<ReturnType<TrackingStore['getRun']>>;
    try {
      run = await store.getRun(runId);
    } catch (error) {
      if (!isMlflowError(error) || error.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw error;
      throw MlflowError.resourceDoesNotExist(
        `Could not find run with ID '${runId}' to which to link prompt '${refs[0]?.name ?? ''}'.`,
        { cause: error },
      );
    }
    const current = run.data.tags.find((t) => t.key === PromptTags.linkedPrompts)?.value;
    const next = mergeLinkedPrompts(current, refs);
    if (next !== undefined && next !== current)
      await store.setTag(runId, { key: PromptTags.linkedPrompts, value: next });
  });
}

/**
 * Adds prompt versions to a stored trace: through the server's `POST /api/2.0/mlflow/traces/link-prompts`
 * for a tracking server, else by merging the trace's `mlflow.linkedPrompts` tag in the database.
 */
export async function linkToTrace(store: TrackingStore, traceId: string, refs: PromptRef[]): Promise<void> {
  if (store instanceof TrackingClient) {
    await store.http.request('POST', '/api/2.0/mlflow/traces/link-prompts', {
      trace_id: traceId,
      prompt_versions: refs.map((r) => ({ name: r.name, version: String(r.version) })),
    });
    return;
  }
  const { getTraceInfo, setTraceTag } = store as TrackingStore & Partial<TraceStore>;
  if (!getTraceInfo || !setTraceTag)
    throw MlflowError.invalidParameterValue('This tracking store keeps no traces to link prompts to.');
  await inTurn(`trace:${traceId}`, async () => {
    const current = (await getTraceInfo.call(store, traceId)).tags[PromptTags.linkedPrompts];
    const next = mergeLinkedPrompts(current, refs);
    if (next !== undefined && next !== current)
      await setTraceTag.call(store, traceId, PromptTags.linkedPrompts, next);
  });
}

/** Adds a prompt version to the trace being recorded, if a span is active: the tag goes out with its root span. */
export function linkToActiveTrace(ref: PromptRef): void {
  const span = getCurrentActiveSpan();
  if (!span) return;
  const next = mergeLinkedPrompts(traceLinks.get(span.traceId), [ref]);
  if (next === undefined) return;
  traceLinks.delete(span.traceId);
  traceLinks.set(span.traceId, next);
  if (traceLinks.size > 1000) traceLinks.delete(traceLinks.keys().next().value!);
  updateCurrentTrace({ tags: { [PromptTags.linkedPrompts]: next } });
}
