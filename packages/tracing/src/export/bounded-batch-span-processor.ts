// Spans are exported off the caller's path: ending a span only appends it to a bounded queue; a
// background loop sends batches, one export at a time. A full queue drops the span and counts it,
// so a slow or unreachable tracking server never blocks or grows the traced program.
import { MlflowError } from '@flowline/core';
import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Sizes and delays of the export queue (the names and defaults of OpenTelemetry's `BufferConfig`). */
export interface ExportQueueOptions {
  /** Spans held while waiting for export; past it, ended spans are dropped and counted (2048). */
  maxQueueSize?: number;
  /** Spans per export request (512). */
  maxExportBatchSize?: number;
  /** How long a partial batch waits before it is sent, in milliseconds (1000). */
  scheduledDelayMillis?: number;
  /** How long one export may take before it counts as failed, in milliseconds (30000). */
  exportTimeoutMillis?: number;
}

/** What happened to the spans that ended so far. */
export interface ExportStats {
  /** Spans the exporter accepted. */
  exported: number;
  /** Spans dropped because the queue was full (or tracing was shut down). */
  dropped: number;
  /** Spans in batches the exporter failed or timed out on. */
  failed: number;
  /** Spans waiting in the queue now. */
  queued: number;
}

/** A span processor with a bounded queue that drops and counts instead of blocking. */
export class BoundedBatchSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #maxQueueSize: number;
  readonly #batchSize: number;
  readonly #delayMs: number;
  readonly #timeoutMs: number;
  #queue: ReadableSpan[] = [];
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #isShutdown = false;
  #exported = 0;
  #dropped = 0;
  #failed = 0;

  constructor(exporter: SpanExporter, options: ExportQueueOptions = {}) {
    this.#exporter = exporter;
    this.#maxQueueSize = positive(options.maxQueueSize, 2048, 'maxQueueSize');
    this.#batchSize = Math.min(
      positive(options.maxExportBatchSize, 512, 'maxExportBatchSize'),
      this.#maxQueueSize,
    );
    this.#delayMs = Math.max(0, options.scheduledDelayMillis ?? 1000);
    this.#timeoutMs = positive(options.exportTimeoutMillis, 30_000, 'exportTimeoutMillis');
  }

  /** The counts so far. */
  stats(): ExportStats {
    return {
      exported: this.#exported,
      dropped: this.#dropped,
      failed: this.#failed,
      queued: this.#queue.length,
    };
  }

  /** Nothing to do when a span starts. */
  onStart(_span: Span, _parentContext: Context): void {}

  /** Queues an ended, sampled span, or drops and counts it when the queue is full. */
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#isShutdown || this.#queue.length >= this.#maxQueueSize) {
      this.#dropped++;
      return;
    }
    this.#queue.push(span);
    if (this.#queue.length >= this.#batchSize) this.#startSoon(0);
    else this.#startSoon(this.#delayMs);
  }

  /** Exports everything queued so far, then flushes the exporter. */
  async forceFlush(): Promise<void> {
    this.#clearTimer();
    await this.#run();
    await this.#exporter.forceFlush?.();
  }

  /** Exports what is queued, refuses further spans and shuts the exporter down. */
  async shutdown(): Promise<void> {
    if (this.#isShutdown) return;
    await this.forceFlush();
    this.#isShutdown = true;
    await this.#exporter.shutdown();
  }

  #startSoon(delayMs: number): void {
    if (this.#loop !== undefined) return; // the running loop takes what is queued
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      this.#clearTimer();
    }
    // A timer even for a full batch: encoding and sending happen after the caller's turn, not in it.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delayMs);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Runs the export loop until the queue is empty; concurrent callers wait on the same loop. */
  #run(): Promise<void> {
    if (this.#loop === undefined && this.#queue.length > 0) {
      const loop = this.#drain().finally(() => {
        if (this.#loop === loop) this.#loop = undefined;
      });
      this.#loop = loop;
    }
    return this.#loop ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#batchSize);
      if (await this.#exportBatch(batch)) this.#exported += batch.length;
      else this.#failed += batch.length;
    }
  }

  #exportBatch(batch: ReadableSpan[]): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#timeoutMs);
      timer.unref();
      try {
        this.#exporter.export(batch, (result) => {
          clearTimeout(timer);
          resolve(result.code === ExportResultCode.SUCCESS);
        });
      } catch {
        clearTimeout(timer);
        resolve(false);
      }
    });
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw MlflowError.invalidParameterValue(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
