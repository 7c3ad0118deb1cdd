import { createRequire } from 'node:module';

// OpenTelemetry's own OTLP messages: the protobufjs module that @opentelemetry/otlp-transformer generates
// from the opentelemetry-proto definitions (CommonJS, typed only as a Root). The interfaces below describe
// the decoded messages as that code builds them: absent fields read null (or an empty array), 64-bit
// integers are `Long`s (or numbers), bytes are Uint8Arrays.

/** A 64-bit integer as protobufjs hands it over. */
export type ProtoLong = number | string | { low: number; high: number; unsigned?: boolean };

/** `opentelemetry.proto.common.v1.AnyValue`: one of its fields is set (none for an empty value). */
export interface OtlpAnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: ProtoLong | null;
  doubleValue?: number | null;
  arrayValue?: { values?: OtlpAnyValue[] | null } | null;
  kvlistValue?: { values?: OtlpKeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
}

/** `opentelemetry.proto.common.v1.KeyValue`. */
export interface OtlpKeyValue {
  key?: string | null;
  value?: OtlpAnyValue | null;
}

/** `opentelemetry.proto.trace.v1.Span.Event`. */
export interface OtlpEvent {
  timeUnixNano?: ProtoLong | null;
  name?: string | null;
  attributes?: OtlpKeyValue[] | null;
}

/** `opentelemetry.proto.trace.v1.Span.Link`. */
export interface OtlpLink {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  attributes?: OtlpKeyValue[] | null;
}

/** `opentelemetry.proto.trace.v1.Span`. */
export interface OtlpSpan {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  parentSpanId?: Uint8Array | null;
  name?: string | null;
  startTimeUnixNano?: ProtoLong | null;
  endTimeUnixNano?: ProtoLong | null;
  attributes?: OtlpKeyValue[] | null;
  events?: OtlpEvent[] | null;
  links?: OtlpLink[] | null;
  status?: { message?: string | null; code?: number | null } | null;
}

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`, down to its spans. */
export interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] | null } | null;
    scopeSpans?: Array<{ spans?: OtlpSpan[] | null }> | null;
  }> | null;
}

/** The static methods protobufjs generates for a message type (those used here). */
interface MessageType<T> {
  decode(reader: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): T;
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: {
            ExportTraceServiceRequest: MessageType<OtlpTraceRequest>;
            ExportTraceServiceResponse: MessageType<Record<string, never>>;
          };
        };
      };
    };
  };
}

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as GeneratedRoot;
const traceService = root.opentelemetry.proto.collector.trace.v1;

/** The OTLP trace export request type (`decode`, `encode`, `fromObject`), from OpenTelemetry's definitions. */
export const ExportTraceServiceRequest: MessageType<OtlpTraceRequest> =
  traceService.ExportTraceServiceRequest;

/** The OTLP trace export response type. */
export const ExportTraceServiceResponse: MessageType<Record<string, never>> =
  traceService.ExportTraceServiceResponse;

/** The wire bytes of an empty `ExportTraceServiceResponse` (full success): zero bytes, as MLflow answers. */
export function emptyExportResponse(): Buffer {
  const bytes = ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject({})).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
