// The fluent tracing API, as MLflow's `@mlflow.trace`, `mlflow.start_span`, `start_span_no_context` and
// `update_current_trace`: spans nest through the active OpenTelemetry context, which the
// AsyncLocalStorage context manager carries through `await`.
import {
  type Context,
  context,
  type Span as OtelSpan,
  trace as otelTrace,
  ROOT_CONTEXT,
} from '@opentelemetry/api';
import { getTracer } from './configure.js';
import { SpanAttributeKey, SpanType, type SpanTypeName } from './constants.js';
import { isGenerator, traceGenerator } from './generators.js';
import { toAttributeJson } from './json.js';
import { LiveSpan } from './live-span.js';
import { inputsFromArguments, parameterNames } from './parameters.js';

/** What a span is called and starts with. */
export interface SpanOptions {
  /** The span's name (for `trace`, the function's name by default). */
  name?: string;
  /** MLflow's span type (`SpanType.LLM`, …; `UNKNOWN` by default). */
  spanType?: SpanTypeName;
  /** Attributes to set at the start, each JSON-encoded. */
  attributes?: Record<string, unknown>;
  /** The span's inputs (`mlflow.spanInputs`). */
  inputs?: unknown;
  /** The parent span: the active span by default; `null` starts a new trace. */
  parent?: LiveSpan | null;
  /** Start time (a `Date` or Unix milliseconds); now by default. */
  startTime?: Date | number;
}

/** What `trace` takes: a span's options, less the inputs (the function's arguments). */
export type TraceOptions = Omit<SpanOptions, 'inputs' | 'parent'>;

/** What `updateCurrentTrace` may set on the trace of the active span. */
export interface TraceUpdate {
  /** Trace tags (attributes `mlflow.traceTag.<key>` on the root span, which the server makes tags). */
  tags?: Record<string, string>;
  /** Trace metadata (attributes `mlflow.traceMetadata.<key>` on the root span). */
  metadata?: Record<string, string>;
  /** The request preview shown in trace lists (else derived by the server from the root span's inputs). */
  requestPreview?: string;
  /** The response preview shown in trace lists (else derived from the root span's outputs). */
  responsePreview?: string;
}

const metadataProviders = new Set<() => Record<string, string> | undefined>();

/**
 * Adds trace metadata to every trace started from now on, read when its first span starts: the client
 * registers one giving the active run (`mlflow.sourceRun`), as MLflow links traces made inside a run.
 * Returns a function that removes the provider.
 */
export function addTraceMetadataProvider(provider: () => Record<string, string> | undefined): () => void {
  metadataProviders.add(provider);
  return () => {
    metadataProviders.delete(provider);
  };
}

// Our wrappers of the OpenTelemetry spans we made, and each trace's first span in this process.
const liveSpans = new WeakMap<OtelSpan, LiveSpan>();
const localRoots = new Map<string, LiveSpan>();
let lastTraceId: string | undefined;

/** Starts a span and returns it without making it active (MLflow's `start_span_no_context`). */
export function startSpan(options: SpanOptions | string = {}): LiveSpan {
  return open(typeof options === 'string' ? { name: options } : options).span;
}

/**
 * Runs `fn` with a new span as the active one, so spans started inside (across `await` too) are its
 * children; ends it when `fn` returns or its promise settles, recording a thrown error as status ERROR
 * plus an `exception` event, and a returned value as outputs unless `fn` set them (MLflow's `start_span`).
 */
export function withSpan<T>(options: SpanOptions | string, fn: (span: LiveSpan) => T): T {
  const { span, context: spanContext } = open(typeof options === 'string' ? { name: options } : options);
  return context.with(spanContext, () => runInSpan(span, () => fn(span)));
}

/**
 * Wraps a function so each call is a span (MLflow's `@mlflow.trace`): inputs are its arguments (by
 * parameter name when they can be read off the function), outputs its return value, what its promise
 * resolves to, or (for a generator function) the values it yielded once it finishes; errors are
 * recorded and rethrown.
 */
export function trace<F extends (...args: never[]) => unknown>(fn: F, options: TraceOptions = {}): F {
  const names = parameterNames(fn);
  const name = options.name ?? (fn.name || 'function');
  const traced = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    const { span, context: spanContext } = open({
      ...options,
      name,
      inputs: inputsFromArguments(args, names),
    });
    if (fn.name) span.setAttribute(SpanAttributeKey.FUNCTION_NAME, fn.name);
    return context.with(spanContext, () =>
      runInSpan(span, () => fn.apply(this, args) as ReturnType<F>, spanContext),
    );
  };
  Object.defineProperty(traced, 'name', { value: fn.name, configurable: true });
  return traced as unknown as F;
}

/** The active span, when it is one this SDK started (MLflow's `get_current_active_span`). */
export function getCurrentActiveSpan(): LiveSpan | undefined {
  const active = otelTrace.getSpan(context.active());
  return active === undefined ? undefined : liveSpans.get(active);
}

/** The id (`tr-…`) of the trace whose root span ended last in this process (MLflow's `get_last_active_trace_id`). */
export function getLastActiveTraceId(): string | undefined {
  return lastTraceId;
}

/**
 * Sets tags, metadata and previews on the trace of the active span (MLflow's `update_current_trace`), as
 * attributes of its root span that the server reads: `mlflow.traceTag.<key>`, `mlflow.traceMetadata.<key>`,
 * `mlflow.traceRequestPreview` and `mlflow.traceResponsePreview`. Without an active span it warns and
 * does nothing, as MLflow.
 */
export function updateCurrentTrace(update: TraceUpdate): void {
  const active = getCurrentActiveSpan();
  if (active === undefined) {
    process.emitWarning('updateCurrentTrace: no active trace, nothing updated.');
    return;
  }
  const root = localRoots.get(active.otelSpan.spanContext().traceId);
  const target = root !== undefined && !root.ended ? root : active;
  for (const [key, value] of Object.entries(update.tags ?? {})) {
    target.setAttribute(SpanAttributeKey.TRACE_TAG_PREFIX + key, asString(value));
  }
  for (const [key, value] of Object.entries(update.metadata ?? {})) {
    target.setAttribute(SpanAttributeKey.TRACE_METADATA_PREFIX + key, asString(value));
  }
  if (update.requestPreview !== undefined) {
    target.setAttribute(SpanAttributeKey.TRACE_REQUEST_PREVIEW, update.requestPreview);
  }
  if (update.responsePreview !== undefined) {
    target.setAttribute(SpanAttributeKey.TRACE_RESPONSE_PREVIEW, update.responsePreview);
  }
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : toAttributeJson(value);
}

function open(options: SpanOptions): { span: LiveSpan; context: Context } {
  const parentContext =
    options.parent === null
      ? ROOT_CONTEXT
      : options.parent !== undefined
        ? otelTrace.setSpan(context.active(), options.parent.otelSpan)
        : context.active();
  const parent = otelTrace.getSpan(parentContext)?.spanContext();
  const otelSpan = getTracer().startSpan(
    options.name ?? 'span',
    options.startTime !== undefined ? { startTime: options.startTime } : {},
    parentContext,
  );
  const otelTraceId = otelSpan.spanContext().traceId;
  const span = new LiveSpan(otelSpan, {
    name: options.name ?? 'span',
    spanType: options.spanType ?? SpanType.UNKNOWN,
    ...(parent !== undefined && parent.traceId === otelTraceId ? { parentSpanId: parent.spanId } : {}),
    onEnd: (ended) => {
      if (localRoots.get(otelTraceId) !== ended) return;
      localRoots.delete(otelTraceId);
      lastTraceId = ended.traceId;
    },
  });
  liveSpans.set(otelSpan, span);
  if (!localRoots.has(otelTraceId)) {
    localRoots.set(otelTraceId, span);
    // A trace's first span here carries what providers add (the client's active run as mlflow.sourceRun).
    for (const provide of metadataProviders)
      for (const [key, value] of Object.entries(provide() ?? {}))
        span.setAttribute(SpanAttributeKey.TRACE_METADATA_PREFIX + key, value);
  }
  if (options.inputs !== undefined) span.setInputs(options.inputs);
  if (options.attributes) span.setAttributes(options.attributes);
  return { span, context: otelTrace.setSpan(parentContext, otelSpan) };
}

/**
 * Runs `body`, ending `span` when it returns, throws, or its promise settles. For `trace` (given the
 * span's context) the result is always the outputs, and a returned generator is followed to its end.
 */
function runInSpan<T>(span: LiveSpan, body: () => T, traceContext?: Context): T {
  const alwaysRecordOutputs = traceContext !== undefined;
  const finish = (value: unknown) => {
    if (!span.hasOutputs && (alwaysRecordOutputs || value !== undefined)) span.setOutputs(value);
    span.end();
  };
  const fail = (error: unknown) => {
    span.recordException(error);
    span.end();
  };
  let result: T;
  try {
    result = body();
  } catch (error) {
    fail(error);
    throw error;
  }
  if (traceContext !== undefined && isGenerator(result))
    return traceGenerator(span, traceContext, result) as T;
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        finish(value);
        return value;
      },
      (error: unknown) => {
        fail(error);
        throw error;
      },
    ) as T;
  }
  finish(result);
  return result;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
