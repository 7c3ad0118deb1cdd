import { describe, expect, it } from 'vitest';
import {
  buildSpanTree,
  decodeSpanId,
  parseAttributeValue,
  readAttributes,
  readSpan,
  readSpans,
  visibleRows,
} from '../src/lib/trace-spans.js';

/** Base64 of an id given as hex, as MLflow 3's span dicts hold ids. */
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

const TRACE = '0123456789abcdef0123456789abcdef';

/** An MLflow 3 span dict (OTLP-like, ids base64, attributes JSON-dumped). */
function v3Span(
  id: string,
  parent: string | null,
  name: string,
  start: number,
  end: number | null,
  extra = {},
) {
  return {
    trace_id: b64(TRACE),
    span_id: b64(id),
    parent_span_id: parent === null ? '' : b64(parent),
    name,
    start_time_unix_nano: start,
    end_time_unix_nano: end,
    status: { code: 'STATUS_CODE_OK', message: '' },
    attributes: {
      'mlflow.traceRequestId': JSON.stringify(`tr-${TRACE}`),
      'mlflow.spanType': JSON.stringify('CHAIN'),
    },
    events: [],
    ...extra,
  };
}

describe('decodeSpanId', () => {
  it('decodes base64 span and trace ids to lowercase hex', () => {
    expect(decodeSpanId(b64('000000000000006f'))).toBe('000000000000006f');
    expect(decodeSpanId(b64('a1b2c3d4e5f60718'))).toBe('a1b2c3d4e5f60718');
    expect(decodeSpanId(b64(TRACE))).toBe(TRACE);
  });

  it('keeps hex ids (2026 dicts) and strips MLflow 2 `0x` ids', () => {
    expect(decodeSpanId('A1B2C3D4E5F60718')).toBe('a1b2c3d4e5f60718');
    expect(decodeSpanId('0x6f')).toBe('000000000000006f');
    expect(decodeSpanId(`0x${TRACE}`)).toBe(TRACE);
  });

  it('reads empty and missing ids as none, and leaves unknown text as it is', () => {
    expect(decodeSpanId('')).toBeUndefined();
    expect(decodeSpanId(null)).toBeUndefined();
    expect(decodeSpanId(undefined)).toBeUndefined();
    expect(decodeSpanId('not an id!')).toBe('not an id!');
  });
});

describe('attributes', () => {
  it('parses JSON-dumped values back, and keeps text that is not JSON', () => {
    expect(parseAttributeValue('"LLM"')).toBe('LLM');
    expect(parseAttributeValue('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parseAttributeValue('plain text')).toBe('plain text');
    expect(parseAttributeValue(3)).toBe(3);
  });

  it("reads OTLP's key/AnyValue lists too", () => {
    expect(
      readAttributes([
        { key: 'mlflow.spanType', value: { string_value: '"TOOL"' } },
        { key: 'n', value: { int_value: '7' } },
        { key: 'ok', value: { boolValue: true } },
        { key: 'list', value: { array_value: { values: [{ double_value: 0.5 }] } } },
        { key: 'kv', value: { kvlist_value: { values: [{ key: 'x', value: { string_value: 'y' } }] } } },
      ]),
    ).toEqual({ 'mlflow.spanType': 'TOOL', n: 7, ok: true, list: [0.5], kv: { x: 'y' } });
  });
});

describe('readSpan', () => {
  it('reads an MLflow 3 span dict: ids, times, status, type, inputs, outputs and events', () => {
    const span = readSpan(
      v3Span('00000000000000aa', '00000000000000bb', 'chat', 1_000, 5_000, {
        status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
        attributes: {
          'mlflow.spanType': '"LLM"',
          'mlflow.spanInputs': JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
          'mlflow.spanOutputs': JSON.stringify('hello'),
        },
        events: [{ name: 'exception', time_unix_nano: 4_000, attributes: { 'exception.message': '"boom"' } }],
      }),
    );
    expect(span).toMatchObject({
      spanId: '00000000000000aa',
      parentId: '00000000000000bb',
      name: 'chat',
      type: 'LLM',
      status: 'ERROR',
      statusMessage: 'boom',
      startNs: 1_000n,
      endNs: 5_000n,
      inputs: { messages: [{ role: 'user', content: 'hi' }] },
      outputs: 'hello',
    });
    expect(span?.events).toEqual([
      { name: 'exception', timeNs: 4_000n, attributes: { 'exception.message': 'boom' } },
    ]);
  });

  it('reads an MLflow 2 span dict (context, 0x ids, status_code)', () => {
    const span = readSpan({
      name: 'predict',
      context: { trace_id: `0x${TRACE}`, span_id: '0x00000000000000aa' },
      parent_id: null,
      start_time: 10,
      end_time: 20,
      status_code: 'OK',
      status_message: '',
      attributes: { 'mlflow.spanType': '"AGENT"' },
      events: [{ name: 'e', timestamp: 15, attributes: {} }],
    });
    expect(span).toMatchObject({
      spanId: '00000000000000aa',
      parentId: undefined,
      type: 'AGENT',
      status: 'OK',
    });
    expect(span?.events[0]?.timeNs).toBe(15n);
  });

  it('reads a 2026 dict (hex ids, status OK) and 64-bit times given as strings', () => {
    const span = readSpan({
      trace_id: `tr-${TRACE}`,
      span_id: '00000000000000aa',
      parent_span_id: null,
      name: 'root',
      start_time_unix_nano: '1750000000123456789',
      end_time_unix_nano: '1750000000223456789',
      status: { code: 'OK' },
      attributes: {},
    });
    expect(span).toMatchObject({ spanId: '00000000000000aa', type: 'UNKNOWN', status: 'OK' });
    expect(span!.endNs! - span!.startNs).toBe(100_000_000n);
  });

  it('keeps an open span open and an unset status UNSET; drops dicts without a span id', () => {
    const span = readSpan({
      ...v3Span('00000000000000aa', null, 'open', 5, null),
      status: { code: 'STATUS_CODE_UNSET' },
    });
    expect(span?.endNs).toBeUndefined();
    expect(span?.status).toBe('UNSET');
    expect(readSpan({ name: 'no id' })).toBeUndefined();
    expect(readSpan(null)).toBeUndefined();
    expect(
      readSpans([
        { name: 'x' },
        v3Span('00000000000000aa', null, 'a', 0, 1),
        v3Span('00000000000000aa', null, 'dup', 0, 1),
      ]).map((s) => s.name),
    ).toEqual(['a']);
  });
});

describe('buildSpanTree', () => {
  const A = '000000000000000a';
  const B = '000000000000000b';
  const C = '000000000000000c';
  const D = '000000000000000d';
  const E = '000000000000000e';

  it('orders children under their parent by start time, depth first', () => {
    const spans = readSpans([
      v3Span(C, A, 'second child', 300, 400),
      v3Span(D, B, 'grandchild', 150, 180),
      v3Span(A, null, 'root', 0, 1000),
      v3Span(B, A, 'first child', 100, 200),
    ]);
    const rows = buildSpanTree(spans);
    expect(rows.map((r) => [r.span.name, r.depth, r.descendants])).toEqual([
      ['root', 0, 3],
      ['first child', 1, 1],
      ['grandchild', 2, 0],
      ['second child', 1, 0],
    ]);
    expect(rows.every((r) => !r.orphan)).toBe(true);
  });

  it('shows spans whose parent is missing at the top level, marked orphan', () => {
    const rows = buildSpanTree(
      readSpans([
        v3Span(A, null, 'root', 0, 100),
        v3Span(B, E, 'lost', 10, 20),
        v3Span(C, B, 'under lost', 12, 15),
      ]),
    );
    expect(rows.map((r) => [r.span.name, r.depth, r.orphan])).toEqual([
      ['root', 0, false],
      ['lost', 0, true],
      ['under lost', 1, false],
    ]);
  });

  it('does not hang on a parent cycle: every span appears once', () => {
    const rows = buildSpanTree(readSpans([v3Span(A, B, 'a', 0, 10), v3Span(B, A, 'b', 5, 10)]));
    expect(rows.map((r) => r.span.name).sort()).toEqual(['a', 'b']);
  });

  it('folds: a collapsed span hides all its descendants, nothing else', () => {
    const rows = buildSpanTree(
      readSpans([
        v3Span(A, null, 'root', 0, 100),
        v3Span(B, A, 'b', 10, 20),
        v3Span(D, B, 'd', 11, 12),
        v3Span(C, A, 'c', 30, 40),
      ]),
    );
    expect(visibleRows(rows, new Set([B])).map((r) => r.span.name)).toEqual(['root', 'b', 'c']);
    expect(visibleRows(rows, new Set([A])).map((r) => r.span.name)).toEqual(['root']);
    expect(visibleRows(rows, new Set()).length).toBe(4);
  });
});
