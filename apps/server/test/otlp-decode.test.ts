import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { isMlflowError, type SpanRecord } from '@flowline/core';
import { describe, expect, it } from 'vitest';
import { decodeOtlpTraces, otlpFormatOf } from '../src/otlp/decode-otlp-traces.js';
import { ExportTraceServiceRequest, emptyExportResponse } from '../src/otlp/otlp-proto.js';
import {
  LLM_SPAN_ID,
  OTEL_TRACE_ID,
  OTHER_TRACE_ID,
  otlpJsonBody,
  otlpProtobufBody,
  otlpRequestObject,
  PLAIN_SPAN_ID,
  ROOT_SPAN_ID,
  ROOT_START_NS,
  TOOL_SPAN_ID,
} from './otlp-fixtures.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

function expectInvalid(run: () => unknown, message: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(isMlflowError(error)).toBe(true);
    expect((error as { errorCode: string }).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an INVALID_PARAMETER_VALUE error');
}

/** What every encoding of the fixture request must decode to. */
function expectFixtureSpans(spans: SpanRecord[]): void {
  expect(spans.map((span) => span.spanId)).toEqual([ROOT_SPAN_ID, LLM_SPAN_ID, TOOL_SPAN_ID, PLAIN_SPAN_ID]);
  const [root, llm, tool, plain] = spans as [SpanRecord, SpanRecord, SpanRecord, SpanRecord];

  expect(root).toEqual({
    traceId: `tr-${OTEL_TRACE_ID}`,
    otelTraceId: OTEL_TRACE_ID,
    spanId: ROOT_SPAN_ID,
    name: 'agent',
    type: 'CHAIN',
    status: 'OK',
    startTimeUnixNano: ROOT_START_NS,
    endTimeUnixNano: ROOT_START_NS + 1_500_000_000n,
    attributes: {
      'mlflow.traceRequestId': `tr-${OTEL_TRACE_ID}`,
      'mlflow.spanType': 'CHAIN',
      'mlflow.spanInputs': { question: 'What is MLflow?' },
      'mlflow.spanOutputs': 'An ML platform.',
    },
    events: [],
    resourceAttributes: { 'service.name': 'agent', 'telemetry.sdk.language': 'python' },
  });

  expect(llm.parentSpanId).toBe(ROOT_SPAN_ID);
  expect(llm.type).toBe('LLM');
  expect(llm.attributes['mlflow.chat.tokenUsage']).toEqual({
    input_tokens: 12,
    output_tokens: 5,
    total_tokens: 17,
  });
  // Event attributes are kept as sent: MLflow stores them unchanged.
  expect(llm.events).toEqual([
    {
      name: 'mlflow.chunk.item.0',
      timeUnixNano: ROOT_START_NS + 400_000_000n,
      attributes: { 'mlflow.chunk.value': '"An "' },
    },
  ]);

  expect(tool.parentSpanId).toBe(LLM_SPAN_ID);
  expect(tool.type).toBe('TOOL');
  expect(tool.status).toBe('ERROR');
  expect(tool.statusMessage).toBe('TimeoutError: took too long');
  // No mlflow.traceRequestId: the trace is the one of its OpenTelemetry id, and the attribute is added.
  expect(tool.traceId).toBe(`tr-${OTEL_TRACE_ID}`);
  expect(tool.attributes['mlflow.traceRequestId']).toBe(`tr-${OTEL_TRACE_ID}`);
  // A string that is not JSON stays the string it is.
  expect(tool.attributes['tool.query']).toBe('not json {');
  expect(tool.events[0]).toEqual({
    name: 'exception',
    timeUnixNano: ROOT_START_NS + 290_000_000n,
    attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'took too long' },
  });
  expect(tool.links).toEqual([
    { otelTraceId: OTHER_TRACE_ID, spanId: PLAIN_SPAN_ID, attributes: { 'link.kind': 'retry' } },
  ]);

  expect(plain.traceId).toBe(`tr-${OTHER_TRACE_ID}`);
  expect(plain.parentSpanId).toBeUndefined();
  expect(plain.type).toBeUndefined();
  expect(plain.status).toBe('UNSET');
  expect(plain.endTimeUnixNano).toBeUndefined();
  expect(plain.attributes).toEqual({
    'mlflow.traceRequestId': `tr-${OTHER_TRACE_ID}`,
    'http.method': 'GET',
    flag: true,
    count: 7,
    huge: '9007199254740993',
    ratio: 0.25,
    list: ['a', 2],
    map: { inner: 'x', n: 1.5 },
    raw: Buffer.from([0, 1, 254, 255]).toString('base64'),
    empty: null,
  });
  expect(plain.resourceAttributes).toEqual({ 'service.name': 'plain-otel', pid: 42 });
}

describe('decodeOtlpTraces', () => {
  it('decodes a protobuf export: ids, parents, times, status, attributes, events, links, resources', () => {
    expectFixtureSpans(decodeOtlpTraces(otlpProtobufBody(), PROTOBUF, undefined));
  });

  it('undoes gzip and deflate (zlib-wrapped and raw)', () => {
    const body = otlpProtobufBody();
    expectFixtureSpans(decodeOtlpTraces(gzipSync(body), PROTOBUF, 'gzip'));
    expectFixtureSpans(decodeOtlpTraces(deflateSync(body), PROTOBUF, 'deflate'));
    expectFixtureSpans(decodeOtlpTraces(deflateRawSync(body), PROTOBUF, 'Deflate'));
    expectFixtureSpans(decodeOtlpTraces(body, `${PROTOBUF}; proto=foo`, 'identity'));
  });

  it('decodes OTLP/JSON to the same spans (hex ids, string 64-bit integers, numeric enums)', () => {
    expectFixtureSpans(
      decodeOtlpTraces(Buffer.from(otlpJsonBody()), `${JSON_TYPE}; charset=utf-8`, undefined),
    );
    expectFixtureSpans(decodeOtlpTraces(gzipSync(otlpJsonBody()), JSON_TYPE, 'gzip'));
  });

  it('takes OTLP/JSON enums by name and 64-bit integers as numbers', () => {
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: OTEL_TRACE_ID.toUpperCase(),
                  spanId: ROOT_SPAN_ID,
                  parentSpanId: '',
                  name: 'n',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: 1_000_000,
                  endTimeUnixNano: '2000000',
                  attributes: [{ key: 'i', value: { intValue: 5 } }],
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  unknownField: 1,
                },
              ],
            },
          ],
        },
      ],
    };
    const [span] = decodeOtlpTraces(Buffer.from(JSON.stringify(body)), JSON_TYPE, undefined);
    expect(span).toMatchObject({
      otelTraceId: OTEL_TRACE_ID,
      spanId: ROOT_SPAN_ID,
      status: 'ERROR',
      statusMessage: 'boom',
      startTimeUnixNano: 1_000_000n,
      endTimeUnixNano: 2_000_000n,
      attributes: { i: 5 },
    });
    expect(span?.parentSpanId).toBeUndefined();
  });

  it('lets an mlflow.traceRequestId attribute name the trace', () => {
    const object = otlpRequestObject([
      { key: 'mlflow.traceRequestId', value: { stringValue: '"tr-custom"' } },
    ]);
    const decoded = decodeOtlpTraces(otlpProtobufBody(object), PROTOBUF, undefined);
    expect(decoded[3]?.traceId).toBe('tr-custom');
    expect(decoded[3]?.otelTraceId).toBe(OTHER_TRACE_ID);
  });

  it('decodes a request without spans to none', () => {
    expect(decodeOtlpTraces(Buffer.alloc(0), PROTOBUF, undefined)).toEqual([]);
    expect(decodeOtlpTraces(Buffer.from('{}'), JSON_TYPE, undefined)).toEqual([]);
  });

  it('refuses bad payloads, encodings, ids and content types, saying what was wrong', () => {
    expectInvalid(
      () => decodeOtlpTraces(Buffer.from([0x0a, 0xff]), PROTOBUF, undefined),
      /Invalid OpenTelemetry protobuf/,
    );
    expectInvalid(
      () => decodeOtlpTraces(Buffer.from('{"resourceSpans": ['), JSON_TYPE, undefined),
      /Invalid OTLP\/JSON/,
    );
    expectInvalid(
      () => decodeOtlpTraces(Buffer.from('[1]'), JSON_TYPE, undefined),
      /ExportTraceServiceRequest object/,
    );
    expectInvalid(
      () => decodeOtlpTraces(Buffer.from('{"resourceSpans": 3}'), JSON_TYPE, undefined),
      /no spans|array expected/,
    );
    expectInvalid(() => decodeOtlpTraces(otlpProtobufBody(), PROTOBUF, 'gzip'), /Failed to decompress gzip/);
    expectInvalid(
      () => decodeOtlpTraces(otlpProtobufBody(), PROTOBUF, 'br'),
      /Unsupported Content-Encoding: br/,
    );
    expectInvalid(
      () => decodeOtlpTraces(otlpProtobufBody(), 'text/plain', undefined),
      /Invalid Content-Type: text\/plain/,
    );
    const badId = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: ROOT_SPAN_ID }] }] }],
    };
    expectInvalid(
      () => decodeOtlpTraces(Buffer.from(JSON.stringify(badId)), JSON_TYPE, undefined),
      /traceId 'xyz'/,
    );
    const shortId = ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: Buffer.alloc(8, 1), spanId: Buffer.alloc(8, 1), name: 's' }] }] },
      ],
    });
    const shortBody = Buffer.from(ExportTraceServiceRequest.encode(shortId).finish());
    expectInvalid(
      () => decodeOtlpTraces(shortBody, PROTOBUF, undefined),
      /trace_id of span 's' must be 16 bytes, got 8/,
    );
  });

  it('keeps an all-zero trace id, as MLflow does', () => {
    const zeroId = ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16), spanId: Buffer.alloc(8, 1), name: 's' }] }] },
      ],
    });
    const [span] = decodeOtlpTraces(
      Buffer.from(ExportTraceServiceRequest.encode(zeroId).finish()),
      PROTOBUF,
      undefined,
    );
    expect(span?.traceId).toBe(`tr-${'0'.repeat(32)}`);
  });

  it('refuses a body that decompresses past the limit', () => {
    const big = gzipSync(Buffer.alloc(1024 * 1024));
    expectInvalid(
      () => decodeOtlpTraces(big, PROTOBUF, 'gzip', { maxDecodedBytes: 1024 }),
      /decompresses to more than 1024 bytes/,
    );
  });
});

describe('otlpFormatOf', () => {
  it('reads the media type, ignoring parameters and case', () => {
    expect(otlpFormatOf('Application/X-Protobuf')).toBe('protobuf');
    expect(otlpFormatOf('application/json; charset=utf-8')).toBe('json');
    expect(otlpFormatOf('application/protobuf')).toBeUndefined();
    expect(otlpFormatOf(undefined)).toBeUndefined();
  });

  it('answers an empty ExportTraceServiceResponse as zero bytes', () => {
    expect(emptyExportResponse().length).toBe(0);
  });
});
