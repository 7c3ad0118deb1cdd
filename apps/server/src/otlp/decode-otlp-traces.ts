import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { MlflowError, mlflowTraceId, type SpanRecord, type SpanStatusCode } from '@flowline/core';
import { keyValuesToRecord, longToBigInt, spanAttributes } from './any-value.js';
import {
  ExportTraceServiceRequest,
  type OtlpLink,
  type OtlpSpan,
  type OtlpTraceRequest,
} from './otlp-proto.js';

/** The two OTLP/HTTP encodings: binary protobuf and OTLP/JSON. */
export type OtlpFormat = 'protobuf' | 'json';

/** The media types of OTLP/HTTP bodies, by format. */
export const OTLP_MEDIA_TYPES: Readonly<Record<OtlpFormat, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The default largest body once decompressed (64 MiB): a small gzip body may not expand without bound. */
export const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;

/** The format a `Content-Type` names (parameters such as `charset` ignored), or undefined for another. */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat | undefined {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (media === OTLP_MEDIA_TYPES.protobuf) return 'protobuf';
  if (media === OTLP_MEDIA_TYPES.json) return 'json';
  return undefined;
}

/**
 * The body with its `Content-Encoding` undone: identity, gzip or deflate (zlib-wrapped, else raw, as
 * MLflow tries them), at most `maxBytes` once decompressed.
 */
export function decompressBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const options = { maxOutputLength: maxBytes };
  const failed = (name: string, error: unknown) => {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      return MlflowError.invalidParameterValue(
        `The ${name} payload decompresses to more than ${maxBytes} bytes; send fewer spans per request.`,
      );
    return MlflowError.invalidParameterValue(`Failed to decompress ${name} payload.`, { cause: error });
  };
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      return gunzipSync(body, options);
    } catch (error) {
      throw failed('gzip', error);
    }
  }
  if (encoding === 'deflate') {
    try {
      return inflateSync(body, options);
    } catch (zlibError) {
      if ((zlibError as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw failed('deflate', zlibError);
      try {
        return inflateRawSync(body, options);
      } catch (error) {
        throw failed('deflate', error);
      }
    }
  }
  throw MlflowError.invalidParameterValue(
    `Unsupported Content-Encoding: ${contentEncoding}. Use gzip, deflate or identity.`,
  );
}

const HEX = /^[0-9a-f]*$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * An OTLP/JSON id (hex, as the OTLP spec encodes trace and span ids; base64, as generic protobuf JSON
 * does, is accepted too) as bytes. Anything else is refused, naming the field.
 */
function jsonId(value: unknown, length: number, field: string): unknown {
  if (typeof value !== 'string' || value === '') return value;
  if (value.length === length * 2 && HEX.test(value)) return Buffer.from(value, 'hex');
  if (BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === length) return bytes;
  }
  throw MlflowError.invalidParameterValue(
    `Invalid OTLP/JSON payload: ${field} '${value.slice(0, 64)}' is not ${length * 2} hex digits.`,
  );
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
// A list mapped, or anything else left for `fromObject` to refuse ("array expected").
const mapList = (value: unknown, map: (item: unknown) => unknown): unknown =>
  Array.isArray(value) ? value.map(map) : value;

/** An OTLP/JSON link or span with its hex ids as bytes, for the generated `fromObject`. */
function jsonLink(link: unknown): unknown {
  if (!isObject(link)) return link;
  return {
    ...link,
    traceId: jsonId(link.traceId, 16, 'link traceId'),
    spanId: jsonId(link.spanId, 8, 'link spanId'),
  };
}

function jsonSpan(span: unknown): unknown {
  if (!isObject(span)) return span;
  return {
    ...span,
    traceId: jsonId(span.traceId, 16, 'traceId'),
    spanId: jsonId(span.spanId, 8, 'spanId'),
    parentSpanId: jsonId(span.parentSpanId, 8, 'parentSpanId'),
    links: mapList(span.links, jsonLink),
  };
}

/** An OTLP/JSON request (lowerCamelCase keys, enums as numbers or names, 64-bit integers as strings or numbers). */
function parseJsonRequest(text: string): OtlpTraceRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw MlflowError.invalidParameterValue(`Invalid OTLP/JSON payload: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isObject(value))
    throw MlflowError.invalidParameterValue(
      'Invalid OTLP/JSON payload: expected an ExportTraceServiceRequest object.',
    );
  const resourceSpans = mapList(value.resourceSpans, (resource) =>
    isObject(resource)
      ? {
          ...resource,
          scopeSpans: mapList(resource.scopeSpans, (scope) =>
            isObject(scope) ? { ...scope, spans: mapList(scope.spans, jsonSpan) } : scope,
          ),
        }
      : resource,
  );
  try {
    return ExportTraceServiceRequest.fromObject({ ...value, resourceSpans });
  } catch (error) {
    throw MlflowError.invalidParameterValue(`Invalid OTLP/JSON payload: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function parseProtobufRequest(bytes: Buffer): OtlpTraceRequest {
  try {
    return ExportTraceServiceRequest.decode(bytes);
  } catch (error) {
    throw MlflowError.invalidParameterValue(
      `Invalid OpenTelemetry protobuf format: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/**
 * An id of `length` bytes as lowercase hex. An all-zero id (invalid in OTLP) is kept, as MLflow keeps it;
 * another length is refused.
 */
function requiredId(bytes: Uint8Array | null | undefined, length: number, what: string): string {
  const id = bytes ? hex(bytes) : '';
  if (id.length !== length * 2)
    throw MlflowError.invalidParameterValue(
      `Invalid OpenTelemetry span: ${what} must be ${length} bytes, got ${id.length / 2}${id ? ` ('${id}')` : ''}.`,
    );
  return id;
}

const STATUS_CODES: Readonly<Record<number, SpanStatusCode>> = { 1: 'OK', 2: 'ERROR' };

function linkRecord(link: OtlpLink, spanName: string) {
  return {
    otelTraceId: requiredId(link.traceId, 16, `the trace_id of a link of span '${spanName}'`),
    spanId: requiredId(link.spanId, 8, `the span_id of a link of span '${spanName}'`),
    attributes: keyValuesToRecord(link.attributes),
  };
}

/** One OTLP span as a `SpanRecord` (MLflow's `Span.from_otel_proto`). */
export function spanRecordOf(span: OtlpSpan, resourceAttributes: Record<string, unknown>): SpanRecord {
  const name = span.name ?? '';
  const otelTraceId = requiredId(span.traceId, 16, `the trace_id of span '${name}'`);
  const spanId = requiredId(span.spanId, 8, `the span_id of span '${name}'`);
  const parent = span.parentSpanId?.length
    ? requiredId(span.parentSpanId, 8, `the parent_span_id of span '${name}'`)
    : undefined;
  const attributes = spanAttributes(span.attributes);
  // An MLflow SDK names the trace itself; any other span belongs to the trace of its OpenTelemetry id.
  const given = attributes['mlflow.traceRequestId'];
  const traceId = typeof given === 'string' && given !== '' ? given : mlflowTraceId(otelTraceId);
  const type = attributes['mlflow.spanType'];
  const end = longToBigInt(span.endTimeUnixNano);
  const links = (span.links ?? []).map((link) => linkRecord(link, name));
  return {
    traceId,
    otelTraceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    ...(typeof type === 'string' && type !== '' ? { type } : {}),
    status: STATUS_CODES[span.status?.code ?? 0] ?? 'UNSET',
    ...(span.status?.message ? { statusMessage: span.status.message } : {}),
    startTimeUnixNano: longToBigInt(span.startTimeUnixNano),
    ...(end > 0n ? { endTimeUnixNano: end } : {}),
    // As MLflow, every span carries its trace's id as `mlflow.traceRequestId`.
    attributes: { 'mlflow.traceRequestId': traceId, ...attributes },
    events: (span.events ?? []).map((event) => ({
      name: event.name ?? '',
      timeUnixNano: longToBigInt(event.timeUnixNano),
      attributes: keyValuesToRecord(event.attributes),
    })),
    ...(links.length > 0 ? { links } : {}),
    resourceAttributes,
  };
}

/** Every span of a decoded request, in the order sent, each with its resource's attributes. */
export function spanRecordsOf(request: OtlpTraceRequest): SpanRecord[] {
  const records: SpanRecord[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resourceAttributes = keyValuesToRecord(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? [])
      for (const span of scopeSpans.spans ?? []) records.push(spanRecordOf(span, resourceAttributes));
  }
  return records;
}

/** Options of `decodeOtlpTraces`. */
export interface DecodeOtlpOptions {
  /** Largest body once decompressed (default `DEFAULT_MAX_DECODED_BYTES`). */
  maxDecodedBytes?: number;
}

/**
 * Decodes an OTLP/HTTP trace export body (`ExportTraceServiceRequest`) into spans: protobuf through
 * OpenTelemetry's generated decoder, OTLP/JSON through the same message definitions; `Content-Encoding`
 * gzip or deflate is undone first. A malformed body is `INVALID_PARAMETER_VALUE` saying what was wrong.
 */
export function decodeOtlpTraces(
  body: Buffer,
  contentType: string | undefined,
  contentEncoding: string | undefined,
  options: DecodeOtlpOptions = {},
): SpanRecord[] {
  const format = otlpFormatOf(contentType);
  if (!format)
    throw MlflowError.invalidParameterValue(
      `Invalid Content-Type: ${contentType ?? '(none)'}. Expected: ${OTLP_MEDIA_TYPES.protobuf} or ${OTLP_MEDIA_TYPES.json}.`,
    );
  const bytes = decompressBody(body, contentEncoding, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
  const request =
    format === 'protobuf' ? parseProtobufRequest(bytes) : parseJsonRequest(bytes.toString('utf8'));
  return spanRecordsOf(request);
}
