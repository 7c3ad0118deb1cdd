import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configureTracing,
  flushTracing,
  getCurrentActiveSpan,
  getExportStats,
  getLastActiveTraceId,
  SpanAttributeKey,
  SpanType,
  shutdownTracing,
  startSpan,
  toSpanRecord,
  trace,
  updateCurrentTrace,
  withSpan,
} from '../src/index.js';

let exporter: InMemorySpanExporter;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  configureTracing({ exporter, scheduledDelayMillis: 10 });
});
afterEach(async () => {
  await shutdownTracing();
});

async function finished(): Promise<ReadableSpan[]> {
  await flushTracing();
  return exporter.getFinishedSpans();
}

function byName(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no span ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return found;
}

describe('trace', () => {
  it('records inputs by parameter name, outputs, the span type and MLflow ids, all JSON-encoded', async () => {
    const add = trace((a: number, b: number) => a + b, { name: 'add', spanType: SpanType.TOOL });
    expect(add(2, 3)).toBe(5);
    const [span] = await finished();
    expect(span?.name).toBe('add');
    const attrs = span?.attributes ?? {};
    expect(attrs[SpanAttributeKey.SPAN_TYPE]).toBe('"TOOL"');
    expect(attrs[SpanAttributeKey.INPUTS]).toBe('{"a":2,"b":3}');
    expect(attrs[SpanAttributeKey.OUTPUTS]).toBe('5');
    expect(attrs[SpanAttributeKey.REQUEST_ID]).toBe(JSON.stringify(`tr-${span?.spanContext().traceId}`));
    expect(span?.status.code).toBe(SpanStatusCode.OK);
    expect(getLastActiveTraceId()).toBe(`tr-${span?.spanContext().traceId}`);
  });

  it('names the span after the function and records its name', async () => {
    async function retrieve(query: string, limit = 3) {
      return [query, limit];
    }
    const traced = trace(retrieve, { spanType: SpanType.RETRIEVER });
    expect(traced.name).toBe('retrieve');
    await traced('cats');
    const [span] = await finished();
    expect(span?.name).toBe('retrieve');
    expect(span?.attributes[SpanAttributeKey.FUNCTION_NAME]).toBe('"retrieve"');
    expect(span?.attributes[SpanAttributeKey.INPUTS]).toBe('{"query":"cats"}');
    expect(span?.attributes[SpanAttributeKey.OUTPUTS]).toBe('["cats",3]');
  });

  it('nests spans across await, keeping concurrent traces apart', async () => {
    const inner = trace(
      async (x: number) => {
        await sleep(5);
        return x * 2;
      },
      { name: 'inner' },
    );
    const outer = trace(
      async (x: number) => {
        await sleep(1);
        const doubled = await inner(x);
        return inner(doubled);
      },
      { name: 'outer', spanType: SpanType.CHAIN },
    );

    expect(await Promise.all([outer(1), outer(10)])).toEqual([4, 40]);
    const spans = await finished();
    const outers = spans.filter((s) => s.name === 'outer');
    expect(outers).toHaveLength(2);
    expect(new Set(outers.map((s) => s.spanContext().traceId)).size).toBe(2);
    for (const root of outers) {
      expect(root.parentSpanContext).toBeUndefined();
      const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
      expect(children.map((s) => s.name)).toEqual(['inner', 'inner']);
      for (const child of children) expect(child.spanContext().traceId).toBe(root.spanContext().traceId);
      const input = JSON.parse(String(root.attributes[SpanAttributeKey.INPUTS])) as { x: number };
      expect(root.attributes[SpanAttributeKey.OUTPUTS]).toBe(String(input.x * 4));
    }
  });

  it('records a rejection as status ERROR with an exception event, and rethrows', async () => {
    const failing = trace(
      async () => {
        await sleep(1);
        throw new TypeError('bad input');
      },
      { name: 'failing' },
    );
    await expect(failing()).rejects.toThrow('bad input');
    const [span] = await finished();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    const event = span?.events.find((e) => e.name === 'exception');
    expect(event?.attributes?.['exception.type']).toBe('TypeError');
    expect(event?.attributes?.['exception.message']).toBe('bad input');
    expect(String(event?.attributes?.['exception.stacktrace'])).toContain('bad input');
  });

  it('records a synchronous throw the same way', async () => {
    const failing = trace(() => {
      throw new Error('boom');
    });
    expect(() => failing()).toThrow('boom');
    const [span] = await finished();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('keeps `this` and records an undefined result as null', async () => {
    const counter = {
      n: 1,
      bump: trace(function (this: { n: number }, by: number) {
        this.n += by;
      }),
    };
    counter.bump(2);
    expect(counter.n).toBe(3);
    const [span] = await finished();
    expect(span?.attributes[SpanAttributeKey.OUTPUTS]).toBe('null');
  });
});

describe('trace on generator functions', () => {
  it('keeps the span open until an async generator finishes, with the yielded values as outputs', async () => {
    const step = trace((n: number) => n * 10, { name: 'step' });
    const stream = trace(async function* tokens(count: number) {
      for (let i = 0; i < count; i++) {
        await sleep(1);
        yield step(i);
      }
    });
    const seen: number[] = [];
    for await (const value of stream(3)) {
      seen.push(value);
      expect(exporter.getFinishedSpans().some((s) => s.name === 'tokens')).toBe(false);
    }
    expect(seen).toEqual([0, 10, 20]);
    const spans = await finished();
    const root = byName(spans, 'tokens');
    expect(root.attributes[SpanAttributeKey.INPUTS]).toBe('{"count":3}');
    expect(root.attributes[SpanAttributeKey.OUTPUTS]).toBe('[0,10,20]');
    const steps = spans.filter((s) => s.name === 'step');
    expect(steps).toHaveLength(3);
    for (const s of steps) expect(s.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  });

  it('ends a sync generator closed early, and records a generator that throws', async () => {
    const numbers = trace(function* numbers() {
      yield 1;
      yield 2;
      yield 3;
    });
    for (const n of numbers()) if (n === 2) break;
    const failing = trace(function* failing() {
      yield 'a';
      throw new Error('mid-stream');
    });
    expect(() => [...failing()]).toThrow('mid-stream');
    const spans = await finished();
    expect(byName(spans, 'numbers').attributes[SpanAttributeKey.OUTPUTS]).toBe('[1,2]');
    const failed = byName(spans, 'failing');
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'mid-stream' });
    expect(failed.attributes[SpanAttributeKey.OUTPUTS]).toBe('["a"]');
  });
});

describe('withSpan', () => {
  it('gives a live span for inputs, outputs, attributes and events, and ends it after fn', async () => {
    const result = await withSpan({ name: 'agent', spanType: SpanType.AGENT }, async (span) => {
      span.setInputs({ question: 'why?' });
      span.setAttributes({ 'app.step': 1, 'app.flags': ['a'] });
      span.setAttribute('app.note', 'hi');
      span.addEvent('thinking', { depth: 2, detail: { a: 1 } });
      expect(getCurrentActiveSpan()).toBe(span);
      await sleep(1);
      expect(getCurrentActiveSpan()).toBe(span);
      span.setOutputs({ answer: 'because' });
      return 'ignored since outputs are set';
    });
    expect(result).toBe('ignored since outputs are set');
    expect(getCurrentActiveSpan()).toBeUndefined();
    const [span] = await finished();
    expect(span?.attributes).toMatchObject({
      [SpanAttributeKey.SPAN_TYPE]: '"AGENT"',
      [SpanAttributeKey.INPUTS]: '{"question":"why?"}',
      [SpanAttributeKey.OUTPUTS]: '{"answer":"because"}',
      'app.step': '1',
      'app.flags': '["a"]',
      'app.note': '"hi"',
    });
    expect(span?.events[0]?.name).toBe('thinking');
    expect(span?.events[0]?.attributes).toEqual({ depth: 2, detail: '{"a":1}' });
  });

  it('records the returned value as outputs when fn set none, and takes a name alone', async () => {
    expect(withSpan('plain', () => 42)).toBe(42);
    const [span] = await finished();
    expect(span?.name).toBe('plain');
    expect(span?.attributes[SpanAttributeKey.SPAN_TYPE]).toBe('"UNKNOWN"');
    expect(span?.attributes[SpanAttributeKey.OUTPUTS]).toBe('42');
  });
});

describe('startSpan', () => {
  it('parents on the active span, on a given span, or on none', async () => {
    let manual: ReturnType<typeof startSpan> | undefined;
    await withSpan('root', async (root) => {
      manual = startSpan({ name: 'child', inputs: [1, 2] });
      const grandchild = startSpan({ name: 'grandchild', parent: manual });
      const detached = startSpan({ name: 'detached', parent: null });
      expect(manual.parentSpanId).toBe(root.spanId);
      expect(grandchild.parentSpanId).toBe(manual.spanId);
      expect(detached.parentSpanId).toBeUndefined();
      expect(detached.traceId).not.toBe(root.traceId);
      grandchild.end({ outputs: 'g' });
      detached.end({ status: 'ERROR', statusMessage: 'nope' });
      // A manual span is not made active.
      expect(getCurrentActiveSpan()).toBe(root);
    });
    manual?.end({ outputs: 'late', attributes: { extra: true } });
    manual?.end(); // a second end does nothing
    const spans = await finished();
    expect(spans.map((s) => s.name).sort()).toEqual(['child', 'detached', 'grandchild', 'root']);
    const child = byName(spans, 'child');
    expect(child.attributes[SpanAttributeKey.INPUTS]).toBe('[1,2]');
    expect(child.attributes.extra).toBe('true');
    expect(byName(spans, 'detached').status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
  });
});

describe('updateCurrentTrace', () => {
  it('puts tags, metadata and previews on the root span from a nested one', async () => {
    await withSpan('root', async () => {
      await withSpan('nested', async () => {
        await sleep(1);
        updateCurrentTrace({
          tags: { team: 'search' },
          metadata: { 'mlflow.trace.session': 's-1' },
          requestPreview: 'why?',
          responsePreview: 'because',
        });
      });
    });
    const spans = await finished();
    expect(byName(spans, 'root').attributes).toMatchObject({
      'mlflow.traceTag.team': '"search"',
      'mlflow.traceMetadata.mlflow.trace.session': '"s-1"',
      [SpanAttributeKey.TRACE_REQUEST_PREVIEW]: '"why?"',
      [SpanAttributeKey.TRACE_RESPONSE_PREVIEW]: '"because"',
    });
    expect(byName(spans, 'nested').attributes['mlflow.traceTag.team']).toBeUndefined();
  });
});

describe('toSpanRecord', () => {
  it('decodes an ended span into the shape the store keeps', async () => {
    await withSpan({ name: 'root', spanType: SpanType.CHAIN, inputs: { q: 1 } }, () => {
      withSpan('child', () => 'x');
    });
    const spans = await finished();
    const root = toSpanRecord(byName(spans, 'root'));
    const child = toSpanRecord(byName(spans, 'child'));
    expect(root).toMatchObject({
      traceId: `tr-${root.otelTraceId}`,
      name: 'root',
      type: 'CHAIN',
      status: 'OK',
      attributes: { [SpanAttributeKey.INPUTS]: { q: 1 }, [SpanAttributeKey.REQUEST_ID]: root.traceId },
    });
    expect(root.parentSpanId).toBeUndefined();
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.attributes[SpanAttributeKey.OUTPUTS]).toBe('x');
    expect(typeof root.startTimeUnixNano).toBe('bigint');
    expect((root.endTimeUnixNano ?? 0n) >= root.startTimeUnixNano).toBe(true);
  });
});

describe('configureTracing', () => {
  it('passes span limits to the provider', async () => {
    // A fresh exporter: replacing the setup shuts the earlier one's exporter down.
    const limited = new InMemorySpanExporter();
    configureTracing({ exporter: limited, spanLimits: { eventCountLimit: 2 } });
    withSpan('chatty', (span) => {
      for (let i = 0; i < 5; i++) span.addEvent(`e${i}`);
    });
    await flushTracing();
    const [span] = limited.getFinishedSpans();
    expect(span?.events).toHaveLength(2);
  });
});

describe('export counts', () => {
  it('counts spans the exporter took', async () => {
    for (let i = 0; i < 5; i++) withSpan(`s${i}`, () => i);
    await flushTracing();
    expect(getExportStats()).toEqual({ exported: 5, dropped: 0, failed: 0, queued: 0 });
  });
});
