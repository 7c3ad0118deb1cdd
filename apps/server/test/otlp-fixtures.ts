import { ExportTraceServiceRequest } from '../src/otlp/otlp-proto.js';

// Realistic OTLP trace exports, as an MLflow SDK and a plain OpenTelemetry SDK send them: one trace of a
// root CHAIN span with an LLM child (MLflow's JSON-encoded attributes, an event, token usage) and a TOOL
// grandchild linked to another trace; a second resource whose span has every AnyValue kind.

export const OTEL_TRACE_ID = '5b8aa5a2d2c872e8321cf37308d69df2';
export const OTHER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const ROOT_SPAN_ID = '051581bf3cb55c13';
export const LLM_SPAN_ID = '5fb397be34d26b51';
export const TOOL_SPAN_ID = 'a1b2c3d4e5f60718';
export const PLAIN_SPAN_ID = 'ffeeddccbbaa9988';

const T0 = 1_750_000_000_000_000_000n;
const ns = (offsetMs: number) => (T0 + BigInt(offsetMs) * 1_000_000n).toString();
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const json = (key: string, value: unknown) => str(key, JSON.stringify(value));

/** The start time of the root span, in Unix nanoseconds. */
export const ROOT_START_NS: bigint = T0;

/** An OTLP key-value as a plain object. */
export interface KeyValueObject {
  key: string;
  value: Record<string, unknown>;
}

/**
 * An `ExportTraceServiceRequest` as a plain object for the generated `fromObject` (ids as bytes); `extra`
 * attributes are added to the plain OpenTelemetry span.
 */
export function otlpRequestObject(extra: KeyValueObject[] = []): Record<string, unknown> {
  const id = (hex: string) => Buffer.from(hex, 'hex');
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [str('service.name', 'agent'), str('telemetry.sdk.language', 'python')],
        },
        scopeSpans: [
          {
            scope: { name: 'mlflow.tracing', version: '3.10.0' },
            spans: [
              {
                traceId: id(OTEL_TRACE_ID),
                spanId: id(ROOT_SPAN_ID),
                name: 'agent',
                kind: 1,
                startTimeUnixNano: ns(0),
                endTimeUnixNano: ns(1500),
                attributes: [
                  json('mlflow.traceRequestId', `tr-${OTEL_TRACE_ID}`),
                  json('mlflow.spanType', 'CHAIN'),
                  json('mlflow.spanInputs', { question: 'What is MLflow?' }),
                  json('mlflow.spanOutputs', 'An ML platform.'),
                ],
                status: { code: 1 },
              },
              {
                traceId: id(OTEL_TRACE_ID),
                spanId: id(LLM_SPAN_ID),
                parentSpanId: id(ROOT_SPAN_ID),
                name: 'chat',
                kind: 3,
                startTimeUnixNano: ns(100),
                endTimeUnixNano: ns(1200),
                attributes: [
                  json('mlflow.traceRequestId', `tr-${OTEL_TRACE_ID}`),
                  json('mlflow.spanType', 'LLM'),
                  json('mlflow.spanInputs', { messages: [{ role: 'user', content: 'What is MLflow?' }] }),
                  json('mlflow.chat.tokenUsage', { input_tokens: 12, output_tokens: 5, total_tokens: 17 }),
                ],
                events: [
                  {
                    name: 'mlflow.chunk.item.0',
                    timeUnixNano: ns(400),
                    attributes: [json('mlflow.chunk.value', 'An ')],
                  },
                ],
                status: { code: 1 },
              },
              {
                traceId: id(OTEL_TRACE_ID),
                spanId: id(TOOL_SPAN_ID),
                parentSpanId: id(LLM_SPAN_ID),
                name: 'search',
                startTimeUnixNano: ns(200),
                endTimeUnixNano: ns(300),
                attributes: [json('mlflow.spanType', 'TOOL'), str('tool.query', 'not json {')],
                events: [
                  {
                    name: 'exception',
                    timeUnixNano: ns(290),
                    attributes: [
                      str('exception.type', 'TimeoutError'),
                      str('exception.message', 'took too long'),
                    ],
                  },
                ],
                links: [
                  {
                    traceId: id(OTHER_TRACE_ID),
                    spanId: id(PLAIN_SPAN_ID),
                    attributes: [str('link.kind', 'retry')],
                  },
                ],
                status: { code: 2, message: 'TimeoutError: took too long' },
              },
            ],
          },
        ],
      },
      {
        resource: {
          attributes: [str('service.name', 'plain-otel'), { key: 'pid', value: { intValue: 42 } }],
        },
        scopeSpans: [
          {
            scope: { name: 'http' },
            spans: [
              {
                traceId: id(OTHER_TRACE_ID),
                spanId: id(PLAIN_SPAN_ID),
                name: 'GET /items',
                kind: 2,
                startTimeUnixNano: ns(5000),
                attributes: [
                  str('http.method', 'GET'),
                  { key: 'flag', value: { boolValue: true } },
                  { key: 'count', value: { intValue: '7' } },
                  { key: 'huge', value: { intValue: '9007199254740993' } },
                  { key: 'ratio', value: { doubleValue: 0.25 } },
                  {
                    key: 'list',
                    value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } },
                  },
                  {
                    key: 'map',
                    value: {
                      kvlistValue: {
                        values: [str('inner', 'x'), { key: 'n', value: { doubleValue: 1.5 } }],
                      },
                    },
                  },
                  { key: 'raw', value: { bytesValue: Buffer.from([0, 1, 254, 255]) } },
                  { key: 'empty', value: {} },
                  ...extra,
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The protobuf bytes of `otlpRequestObject()`, encoded by OpenTelemetry's generated code. */
export function otlpProtobufBody(object: Record<string, unknown> = otlpRequestObject()): Buffer {
  const bytes = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(object)).finish();
  return Buffer.from(bytes);
}

/** The same request as OTLP/JSON: ids as hex, 64-bit integers as strings, bytes as base64, enums as numbers. */
export function otlpJsonBody(object: Record<string, unknown> = otlpRequestObject()): string {
  return JSON.stringify(object, (key, value) => {
    if (value && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data)) {
      const bytes = Buffer.from(value.data);
      return key === 'bytesValue' ? bytes.toString('base64') : bytes.toString('hex');
    }
    return value;
  });
}
