import type { SpanRecord } from '@flowline/core';
import { describe, expect, it } from 'vitest';
import { toOtelSpan } from '../src/routes/traces-spans.js';
import {
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
  toWireAssessment,
  toWireTraceInfo,
  toWireTraceInfoV2,
} from '../src/routes/traces-wire.js';

describe('protobuf JSON times', () => {
  it('writes Timestamps as RFC 3339 UTC with no fraction or milliseconds, as protobuf does', () => {
    expect(formatTimestamp(1718460461282)).toBe('2024-06-15T14:07:41.282Z');
    expect(formatTimestamp(1718460461000)).toBe('2024-06-15T14:07:41Z');
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00Z');
  });

  it('reads Timestamps with any fraction length and offset, flooring to milliseconds', () => {
    expect(parseTimestamp('2024-06-15T14:07:41.282Z', 't')).toBe(1718460461282);
    expect(parseTimestamp('2024-06-15T14:07:41Z', 't')).toBe(1718460461000);
    expect(parseTimestamp('2024-06-15T14:07:41.282999999Z', 't')).toBe(1718460461282);
    expect(parseTimestamp('2024-06-15T16:07:41.5+02:00', 't')).toBe(1718460461500);
    expect(parseTimestamp(undefined, 't')).toBeUndefined();
    expect(() => parseTimestamp('yesterday', 'request_time')).toThrow(/'request_time'.*RFC 3339/);
    expect(() => parseTimestamp(1718460461282, 'request_time')).toThrow(/RFC 3339/);
  });

  it('writes and reads Durations as seconds with an s (the TS SDK sends "0.1s")', () => {
    expect(formatDuration(1500)).toBe('1.500s');
    expect(formatDuration(100)).toBe('0.100s');
    expect(formatDuration(2000)).toBe('2s');
    expect(formatDuration(0)).toBe('0s');
    expect(parseDuration('1.500s', 'd')).toBe(1500);
    expect(parseDuration('0.1s', 'd')).toBe(100);
    expect(parseDuration('3s', 'd')).toBe(3000);
    expect(parseDuration('0.000999999s', 'd')).toBe(0);
    expect(parseDuration('5e-7s', 'd')).toBe(0);
    expect(parseDuration('1.5e+1s', 'd')).toBe(15000);
    expect(() => parseDuration('1500', 'execution_duration')).toThrow(/'execution_duration'/);
  });
});

const info = {
  traceId: 'tr-0123456789abcdef0123456789abcdef',
  experimentId: '7',
  requestTime: 1718460461282,
  executionDuration: 1500,
  state: 'OK' as const,
  requestPreview: '{"x": 1}',
  traceMetadata: { 'mlflow.trace_schema.version': '3', long: 'v'.repeat(300) },
  tags: { 'mlflow.traceName': 'predict' },
  assessments: [],
};

describe('trace info wire shapes', () => {
  it('is MLflow 3 TraceInfoV3 JSON: unset fields left out, metadata values cut to 250 characters', () => {
    const wire = toWireTraceInfo(info);
    expect(JSON.parse(JSON.stringify(wire))).toEqual({
      trace_id: info.traceId,
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '7' } },
      request_preview: '{"x": 1}',
      request_time: '2024-06-15T14:07:41.282Z',
      execution_duration: '1.500s',
      state: 'OK',
      trace_metadata: { 'mlflow.trace_schema.version': '3', long: 'v'.repeat(250) },
      tags: { 'mlflow.traceName': 'predict' },
    });
  });

  it('is MLflow 2 TraceInfo JSON: key-value lists and status names', () => {
    const wire = toWireTraceInfoV2({ ...info, state: 'STATE_UNSPECIFIED', executionDuration: undefined });
    expect(JSON.parse(JSON.stringify(wire))).toEqual({
      request_id: info.traceId,
      experiment_id: '7',
      timestamp_ms: 1718460461282,
      status: 'TRACE_STATUS_UNSPECIFIED',
      request_metadata: [
        { key: 'mlflow.trace_schema.version', value: '3' },
        { key: 'long', value: 'v'.repeat(250) },
      ],
      tags: [{ key: 'mlflow.traceName', value: 'predict' }],
    });
  });

  it('serializes expectations that are not primitives as JSON_FORMAT, as MLflow', () => {
    const base = {
      assessmentId: 'a-1',
      traceId: info.traceId,
      name: 'expected',
      source: { sourceType: 'HUMAN' as const, sourceId: 'me' },
      createTime: 1000,
      lastUpdateTime: 2000,
      metadata: {},
      valid: true,
    };
    expect(toWireAssessment({ ...base, expectation: { value: { a: [1] } } }).expectation).toEqual({
      serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"a": [1]}' },
    });
    expect(toWireAssessment({ ...base, expectation: { value: 42 } }).expectation).toEqual({ value: 42 });
    const feedback = toWireAssessment({ ...base, feedback: { value: 0.5 } });
    expect(feedback.create_time).toBe('1970-01-01T00:00:01Z');
    expect(feedback.feedback).toEqual({ value: 0.5, error: undefined });
    expect(feedback.valid).toBe(true);
  });
});

const span: SpanRecord = {
  traceId: 'tr-0123456789abcdef0123456789abcdef',
  otelTraceId: '0123456789abcdef0123456789abcdef',
  spanId: '000000000000006f',
  parentSpanId: '00000000000000de',
  name: 'llm',
  type: 'LLM',
  status: 'ERROR',
  statusMessage: 'boom',
  startTimeUnixNano: 1718460461282123456n,
  endTimeUnixNano: 1718460462282123457n,
  attributes: {
    'mlflow.traceRequestId': 'tr-0123456789abcdef0123456789abcdef',
    'mlflow.spanType': 'LLM',
    'mlflow.spanInputs': { messages: [{ role: 'user', content: 'hi' }] },
    count: 3,
  },
  events: [{ name: 'exception', timeUnixNano: 1718460461282123999n, attributes: { 'exception.type': 'E' } }],
};

describe('spans', () => {
  it('are OTLP Span proto JSON for GetTrace: base64 ids, decoded attribute values as AnyValues', () => {
    const otel = toOtelSpan(span);
    expect(otel.trace_id).toBe(Buffer.from(span.otelTraceId, 'hex').toString('base64'));
    expect(otel.span_id).toBe('AAAAAAAAAG8=');
    expect(otel.start_time_unix_nano).toBe(1718460461282123456n);
    expect(otel.status).toEqual({ code: 'STATUS_CODE_ERROR', message: 'boom' });
    expect(otel.attributes).toContainEqual({ key: 'count', value: { int_value: 3 } });
    expect(otel.attributes).toContainEqual({
      key: 'mlflow.spanInputs',
      value: {
        kvlist_value: {
          values: [
            {
              key: 'messages',
              value: {
                array_value: {
                  values: [
                    {
                      kvlist_value: {
                        values: [
                          { key: 'role', value: { string_value: 'user' } },
                          { key: 'content', value: { string_value: 'hi' } },
                        ],
                      },
                    },
                  ],
                },
              },
            },
          ],
        },
      },
    });
    expect(toOtelSpan({ ...span, status: 'UNSET', statusMessage: undefined }).status).toEqual({});
  });
});
