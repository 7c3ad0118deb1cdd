// A span being recorded, with MLflow's vocabulary (inputs, outputs, span type) over an OpenTelemetry
// span. Every attribute value is written JSON-encoded, as MLflow's SDK writes them.
import type { Attributes, AttributeValue, Span as OtelSpan } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { SpanAttributeKey, type SpanTypeName, TRACE_ID_PREFIX } from './constants.js';
import { toAttributeJson } from './json.js';

/** A span's final status: MLflow's `SpanStatusCode` names (`UNSET` ends as `OK`, as MLflow's `end()`). */
export type SpanStatus = 'OK' | 'ERROR' | 'UNSET';

/** What `LiveSpan.end` may still record. */
export interface EndSpanOptions {
  outputs?: unknown;
  attributes?: Record<string, unknown>;
  status?: SpanStatus;
  statusMessage?: string;
  /** End time (a `Date` or Unix milliseconds); now when absent. */
  endTime?: Date | number;
}

/** A live span: MLflow's `LiveSpan`, recording into an OpenTelemetry span. */
export class LiveSpan {
  /** The OpenTelemetry span underneath, for OpenTelemetry APIs. */
  readonly otelSpan: OtelSpan;
  /** MLflow's trace id, `tr-<32 hex>`. */
  readonly traceId: string;
  /** The span id, 16 lowercase hex digits. */
  readonly spanId: string;
  /** The parent span's id; absent on a trace's root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly spanType: SpanTypeName;
  #status: SpanStatus = 'UNSET';
  #ended = false;
  #hasOutputs = false;
  readonly #onEnd: ((span: LiveSpan) => void) | undefined;

  /** Wraps an OpenTelemetry span; the tracing functions create these, so there is rarely a need to. */
  constructor(
    otelSpan: OtelSpan,
    init: { name: string; spanType: SpanTypeName; parentSpanId?: string; onEnd?: (span: LiveSpan) => void },
  ) {
    this.otelSpan = otelSpan;
    const context = otelSpan.spanContext();
    this.traceId = TRACE_ID_PREFIX + context.traceId;
    this.spanId = context.spanId;
    this.parentSpanId = init.parentSpanId;
    this.name = init.name;
    this.spanType = init.spanType;
    this.#onEnd = init.onEnd;
    otelSpan.setAttribute(SpanAttributeKey.REQUEST_ID, toAttributeJson(this.traceId));
    otelSpan.setAttribute(SpanAttributeKey.SPAN_TYPE, toAttributeJson(init.spanType));
  }

  /** Whether `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether outputs were recorded. */
  get hasOutputs(): boolean {
    return this.#hasOutputs;
  }

  /** The status set so far. */
  get status(): SpanStatus {
    return this.#status;
  }

  /** Records the span's inputs (`mlflow.spanInputs`). */
  setInputs(inputs: unknown): this {
    return this.setAttribute(SpanAttributeKey.INPUTS, inputs);
  }

  /** Records the span's outputs (`mlflow.spanOutputs`). */
  setOutputs(outputs: unknown): this {
    this.#hasOutputs = true;
    return this.setAttribute(SpanAttributeKey.OUTPUTS, outputs);
  }

  /** Sets one attribute, its value JSON-encoded (so `"LLM"` is stored as `"\"LLM\""`, as MLflow does). */
  setAttribute(key: string, value: unknown): this {
    this.otelSpan.setAttribute(key, toAttributeJson(value));
    return this;
  }

  /** Sets several attributes, each JSON-encoded. */
  setAttributes(attributes: Record<string, unknown>): this {
    for (const [key, value] of Object.entries(attributes)) this.setAttribute(key, value);
    return this;
  }

  /**
   * Adds an event. Its attribute values are kept as they are when OpenTelemetry can hold them (strings,
   * numbers, booleans, arrays of one of those) and JSON-encoded otherwise, as MLflow's `SpanEvent`.
   */
  addEvent(name: string, attributes: Record<string, unknown> = {}, time?: Date | number): this {
    this.otelSpan.addEvent(name, eventAttributes(attributes), time);
    return this;
  }

  /** Records an error: an `exception` event with its type, message and stack, and status `ERROR`. */
  recordException(error: unknown): this {
    const err = error instanceof Error ? error : new Error(String(error));
    this.otelSpan.recordException(err);
    return this.setStatus('ERROR', err.message);
  }

  /** Sets the status (`ERROR` with a message says why). */
  setStatus(status: SpanStatus, message?: string): this {
    this.#status = status;
    if (status === 'UNSET') this.otelSpan.setStatus({ code: SpanStatusCode.UNSET });
    else {
      this.otelSpan.setStatus({
        code: status === 'OK' ? SpanStatusCode.OK : SpanStatusCode.ERROR,
        ...(message !== undefined ? { message } : {}),
      });
    }
    return this;
  }

  /** Ends the span; a status still unset becomes `OK`. Ending twice does nothing. */
  end(options: EndSpanOptions = {}): void {
    if (this.#ended) return;
    if (options.outputs !== undefined) this.setOutputs(options.outputs);
    if (options.attributes) this.setAttributes(options.attributes);
    if (options.status !== undefined) this.setStatus(options.status, options.statusMessage);
    if (this.#status === 'UNSET') this.setStatus('OK');
    this.#ended = true;
    this.otelSpan.end(options.endTime);
    this.#onEnd?.(this);
  }
}

function eventAttributes(attributes: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    out[key] = isAttributeValue(value) ? value : toAttributeJson(value);
  }
  return out;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const primitive = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (primitive(value)) return true;
  if (!Array.isArray(value) || value.length === 0) return false;
  const kind = typeof value[0];
  return value.every((v) => v === null || v === undefined || (primitive(v) && typeof v === kind));
}
