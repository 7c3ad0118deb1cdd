import { expectMlflowError } from '@flowline/testkit';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BoundedBatchSpanProcessor,
  configureTracing,
  flushTracing,
  getExportStats,
  shutdownTracing,
  withSpan,
} from '../src/index.js';

// An exporter that holds every batch until released, like a server that has stopped answering.
class GatedExporter implements SpanExporter {
  readonly received: ReadableSpan[][] = [];
  readonly #waiting: (() => void)[] = [];
  #open = false;
  #result: ExportResult = { code: ExportResultCode.SUCCESS };

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.received.push(spans);
    const finish = () => done(this.#result);
    if (this.#open) finish();
    else this.#waiting.push(finish);
  }
  failWith(result: ExportResult): void {
    this.#result = result;
  }
  release(): void {
    this.#open = true;
    for (const finish of this.#waiting.splice(0)) finish();
  }
  async shutdown(): Promise<void> {}
}

function provider(processor: BoundedBatchSpanProcessor): BasicTracerProvider {
  return new BasicTracerProvider({ spanProcessors: [processor] });
}

afterEach(async () => {
  await shutdownTracing();
});

describe('BoundedBatchSpanProcessor', () => {
  it('drops and counts spans past the queue while the exporter is stuck, without blocking', async () => {
    const exporter = new GatedExporter();
    const processor = new BoundedBatchSpanProcessor(exporter, { maxQueueSize: 2, maxExportBatchSize: 2 });
    const tracer = provider(processor).getTracer('t');
    for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`).end();
    // Ending ten spans returned at once; the queue kept two of them.
    expect(processor.stats()).toEqual({ exported: 0, dropped: 8, failed: 0, queued: 2 });

    const flushed = processor.forceFlush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(exporter.received).toHaveLength(1); // the batch is in flight, held by the exporter
    for (let i = 0; i < 5; i++) tracer.startSpan(`late${i}`).end();
    expect(processor.stats().queued).toBe(2);
    exporter.release();
    await flushed;
    await processor.forceFlush();

    const stats = processor.stats();
    const sent = exporter.received.flat().length;
    expect(stats.queued).toBe(0);
    expect(stats.exported).toBe(sent);
    expect(stats.exported + stats.dropped).toBe(15);
    expect(stats.dropped).toBe(11);
  });

  it('sends in batches of maxExportBatchSize, one export at a time', async () => {
    const exporter = new GatedExporter();
    exporter.release();
    const processor = new BoundedBatchSpanProcessor(exporter, { maxExportBatchSize: 3 });
    const tracer = provider(processor).getTracer('t');
    for (let i = 0; i < 7; i++) tracer.startSpan(`s${i}`).end();
    await processor.forceFlush();
    expect(exporter.received.map((batch) => batch.length)).toEqual([3, 3, 1]);
    expect(processor.stats()).toEqual({ exported: 7, dropped: 0, failed: 0, queued: 0 });
  });

  it('exports spans that end after a flush of an empty queue', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new BoundedBatchSpanProcessor(exporter);
    const tracer = provider(processor).getTracer('t');
    await processor.forceFlush();
    tracer.startSpan('after').end();
    await processor.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
  });

  it('counts spans of failed exports apart from exported ones', async () => {
    const exporter = new GatedExporter();
    exporter.failWith({ code: ExportResultCode.FAILED, error: new Error('HTTP 503') });
    exporter.release();
    const processor = new BoundedBatchSpanProcessor(exporter);
    const tracer = provider(processor).getTracer('t');
    tracer.startSpan('a').end();
    tracer.startSpan('b').end();
    await processor.forceFlush();
    expect(processor.stats()).toEqual({ exported: 0, dropped: 0, failed: 2, queued: 0 });
  });

  it('exports on its own after the scheduled delay', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new BoundedBatchSpanProcessor(exporter, { scheduledDelayMillis: 1 });
    provider(processor).getTracer('t').startSpan('a').end();
    await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
    expect(processor.stats().exported).toBe(1);
  });

  it('refuses spans after shutdown, counting them as dropped', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new BoundedBatchSpanProcessor(exporter);
    const tracer = provider(processor).getTracer('t');
    tracer.startSpan('before').end();
    await processor.forceFlush();
    const span = exporter.getFinishedSpans()[0] as ReadableSpan;
    await processor.shutdown();
    processor.onEnd(span);
    expect(processor.stats()).toMatchObject({ exported: 1, dropped: 1 });
  });

  it('rejects a queue size that is not a positive integer', async () => {
    await expectMlflowError(
      (async () => new BoundedBatchSpanProcessor(new InMemorySpanExporter(), { maxQueueSize: 0 }))(),
      'INVALID_PARAMETER_VALUE',
      'maxQueueSize must be a positive integer, got 0',
    );
  });
});

describe('configureTracing with a small queue', () => {
  it('drops traced spans past the queue and reports the counts', async () => {
    const exporter = new GatedExporter();
    configureTracing({ exporter, maxQueueSize: 3, maxExportBatchSize: 3 });
    for (let i = 0; i < 20; i++) withSpan(`s${i}`, () => i);
    expect(getExportStats()).toMatchObject({ dropped: 17, queued: 3 });
    exporter.release();
    await flushTracing();
    expect(getExportStats()).toEqual({ exported: 3, dropped: 17, failed: 0, queued: 0 });
  });
});
