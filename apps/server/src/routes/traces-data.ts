import type { Readable } from 'node:stream';
import {
  isMlflowError,
  MlflowError,
  type SpanRecord,
  type TraceInfo,
  TraceMetadataKey,
  type TraceStore,
  TraceTagKey,
} from '@flowline/core';
import type { FastifyInstance } from 'fastify';
import { repositoryFor } from '../artifact-access.js';
import { spansFromTraceData } from './traces-spans.js';

// Where a trace's spans are: rows of the tracking store (tag `mlflow.trace.spansLocation=TRACKING_STORE`,
// logged over OTLP), or the `traces.json` a client uploaded to the trace's `mlflow.artifactLocation` (MLflow
// clients that do not log spans to the server: every one talking to a server older than 3.4).

/** MLflow's file name of a trace's span data in its artifact location. */
export const TRACE_DATA_FILE = 'traces.json';

/** Whether the trace's spans are rows of the tracking store. */
export const spansInStore = (info: TraceInfo): boolean =>
  info.tags[TraceTagKey.SPANS_LOCATION] === 'TRACKING_STORE';

/** How many spans the client says the trace has (`mlflow.trace.sizeStats.num_spans`), when it says. */
export function expectedSpanCount(info: TraceInfo): number | undefined {
  const stats = info.traceMetadata[TraceMetadataKey.SIZE_STATS];
  if (!stats) return undefined;
  try {
    const n = (JSON.parse(stats) as { num_spans?: unknown }).num_spans;
    return typeof n === 'number' ? n : undefined;
  } catch {
    return undefined;
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The artifact location of a trace, with MLflow's error when it has none. */
export function artifactLocationOf(info: TraceInfo): string {
  const location = info.tags[TraceTagKey.ARTIFACT_LOCATION];
  if (!location) throw MlflowError.internal('Unable to determine trace artifact location.');
  return location;
}

/** The spans of a trace's uploaded `traces.json`, or undefined when none was uploaded (yet). */
async function artifactSpans(server: FastifyInstance, info: TraceInfo): Promise<SpanRecord[] | undefined> {
  const location = info.tags[TraceTagKey.ARTIFACT_LOCATION];
  if (!location) return undefined;
  try {
    const { stream } = await repositoryFor(server.artifacts, location).openArtifact(TRACE_DATA_FILE);
    return spansFromTraceData(await readAll(stream), info.traceId);
  } catch (e) {
    if (isMlflowError(e) && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * A trace's spans wherever they are: the store's rows, else its `traces.json` (undefined when there is none).
 * With `allowPartial` false, a trace whose stored spans are fewer than its size stats announce is refused.
 */
export async function traceSpans(
  server: FastifyInstance,
  traces: TraceStore,
  info: TraceInfo,
  allowPartial: boolean,
): Promise<SpanRecord[] | undefined> {
  const stored = await traces.getTraceSpans(info.traceId);
  if (stored.length === 0 && !spansInStore(info)) return artifactSpans(server, info);
  const expected = expectedSpanCount(info);
  if (!allowPartial && expected !== undefined && stored.length < expected) {
    throw MlflowError.resourceDoesNotExist(
      `Trace with ID '${info.traceId}' is not fully exported yet: ${stored.length} of its ${expected} spans are stored. Retry later, or pass allow_partial=true.`,
    );
  }
  return stored;
}
