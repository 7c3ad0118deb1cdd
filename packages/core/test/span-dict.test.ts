import { describe, expect, it } from 'vitest';
import {
  dumpMlflowJson,
  loadMlflowJson,
  parseMlflowJson,
  spanFromDict,
  spansFromTraceData,
  toSpanDict,
  traceDataJson,
} from '../src/span-dict.js';
import type { SpanRecord } from '../src/trace-spans.js';

describe('dumpMlflowJson', () => {
  it("writes JSON as Python's json.dumps does: spaced separators, non-ASCII kept as MLflow's spans keep it", () => {
    expect(dumpMlflowJson({ a: [1, 'x'], b: null, c: true })).toBe('{"a": [1, "x"], "b": null, "c": true}');
    expect(dumpMlflowJson('héllo')).toBe('"héllo"');
    expect(dumpMlflowJson(1.5)).toBe('1.5');
    expect(dumpMlflowJson({ skipped: undefined, list: [undefined] })).toBe('{"list": [null]}');
  });

  it('escapes non-ASCII with ascii (json.dumps defaults) and drops the spaces with compact', () => {
    expect(dumpMlflowJson('héllo', { ascii: true })).toBe('"h\\u00e9llo"');
    expect(dumpMlflowJson({ ké: '😀' }, { ascii: true })).toBe('{"k\\u00e9": "\\ud83d\\ude00"}');
    expect(dumpMlflowJson({ a: [1, 2] }, { compact: true })).toBe('{"a":[1,2]}');
  });

  it('writes BigInts as integers and non-finite numbers as null (JSON.parse cannot read NaN)', () => {
    expect(dumpMlflowJson({ t: 1718460461282123456n })).toBe('{"t": 1718460461282123456}');
    expect(dumpMlflowJson([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(
      '[null, null, null]',
    );
    expect(dumpMlflowJson(new Uint8Array([1, 2]))).toBe('"AQI="');
  });
});

describe('parseMlflowJson and loadMlflowJson', () => {
  it('reads nanosecond time fields as BigInt, exactly, but not inside dumped strings', () => {
    const text = '{"start_time_unix_nano": 1718460461282123456, "attributes": {"x": "{\\"timestamp\\": 5}"}}';
    expect(parseMlflowJson(text)).toEqual({
      start_time_unix_nano: 1718460461282123456n,
      attributes: { x: '{"timestamp": 5}' },
    });
  });

  it('decodes a JSON-dumped value, or keeps text that is not JSON', () => {
    expect(loadMlflowJson('{"a": 1}')).toEqual({ a: 1 });
    expect(loadMlflowJson('not json')).toBe('not json');
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

describe('span dicts', () => {
  it('are MLflow 3 span dicts in traces.json, read back exactly (nanoseconds too)', () => {
    const text = traceDataJson([span]);
    expect(text).toContain('"start_time_unix_nano":1718460461282123456');
    const dict = JSON.parse(text).spans[0];
    expect(dict.attributes['mlflow.spanType']).toBe('"LLM"');
    expect(dict.attributes['mlflow.spanInputs']).toBe('{"messages": [{"role": "user", "content": "hi"}]}');
    expect(dict.parent_span_id).toBe('AAAAAAAAAN4=');
    expect(dict.status).toEqual({ code: 'STATUS_CODE_ERROR', message: 'boom' });
    expect(spansFromTraceData(text, span.traceId)).toEqual([span]);
  });

  it("always carry the trace id and the span's type, as MLflow's Span.from_dict needs", () => {
    const bare: SpanRecord = { ...span, attributes: {}, links: [{ ...span, attributes: { k: 1 } }] };
    const dict = toSpanDict(bare);
    expect(dict.attributes).toEqual({
      'mlflow.traceRequestId': `"${span.traceId}"`,
      'mlflow.spanType': '"LLM"',
    });
    expect(dict.links).toEqual([
      {
        trace_id: 'ASNFZ4mrze8BI0VniavN7w==',
        span_id: 'AAAAAAAAAG8=',
        trace_state: '',
        attributes: { k: 1 },
      },
    ]);
    expect(
      spanFromDict(parseMlflowJson(dumpMlflowJson(dict)) as Record<string, unknown>, span.traceId).links,
    ).toEqual([{ otelTraceId: span.otelTraceId, spanId: span.spanId, attributes: { k: 1 } }]);
  });

  it('reads MLflow 2 span dicts (hex ids with 0x, status_code) and a root with an empty parent', () => {
    const v2 = spanFromDict(
      {
        name: 'root',
        context: { trace_id: '0x0123456789abcdef0123456789abcdef', span_id: '0x000000000000006f' },
        parent_id: null,
        start_time: 100,
        end_time: 200,
        status_code: 'OK',
        status_message: '',
        attributes: { 'mlflow.spanType': '"CHAIN"', plain: 'not json' },
        events: [{ name: 'e', timestamp: 150, attributes: {} }],
      },
      'tr-x',
    );
    expect(v2).toMatchObject({
      otelTraceId: '0123456789abcdef0123456789abcdef',
      spanId: '000000000000006f',
      status: 'OK',
      type: 'CHAIN',
      startTimeUnixNano: 100n,
      endTimeUnixNano: 200n,
      attributes: { 'mlflow.spanType': 'CHAIN', plain: 'not json' },
      events: [{ name: 'e', timeUnixNano: 150n, attributes: {} }],
    });
    expect(v2.parentSpanId).toBeUndefined();
    const root = spanFromDict(
      { trace_id: 'ASNFZ4mrze8BI0VniavN7w==', span_id: 'AAAAAAAAAG8=', parent_span_id: '', name: 'r' },
      'tr-x',
    );
    expect(root.parentSpanId).toBeUndefined();
    expect(root.otelTraceId).toBe('0123456789abcdef0123456789abcdef');
  });

  it("reads v4 span dicts: hex ids, the otel trace id beside MLflow's", () => {
    const v4 = spanFromDict(
      {
        trace_id: span.traceId,
        otel_trace_id: span.otelTraceId,
        span_id: '000000000000006f',
        parent_span_id: '00000000000000de',
        name: 'llm',
        start_time_unix_nano: 10n,
        end_time_unix_nano: null,
        status: { code: 'OK', message: '' },
        attributes: { 'mlflow.traceRequestId': `"${span.traceId}"` },
        'mlflow.span_dict_version': 4,
      },
      span.traceId,
    );
    expect(v4).toMatchObject({
      otelTraceId: span.otelTraceId,
      spanId: span.spanId,
      parentSpanId: '00000000000000de',
    });
    expect(v4.status).toBe('OK');
    expect(v4.endTimeUnixNano).toBeUndefined();
  });

  it('refuses a dict with no ids unless the caller gives them, and a traces.json with no spans', () => {
    expect(() => spanFromDict({ name: 'x' }, 'tr-x')).toThrow(/no trace_id or span_id/);
    expect(
      spanFromDict({ name: 'x' }, 'tr-x', { otelTraceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }).spanId,
    ).toBe('cd'.repeat(8));
    expect(() => spansFromTraceData('{', 'tr-x')).toThrow(/not valid JSON/);
    expect(() => spansFromTraceData('{}', 'tr-x')).toThrow(/no "spans" list/);
  });
});
