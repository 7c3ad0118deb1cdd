import { spawnSync } from 'node:child_process';
import { type Metric, type TrackingStore, toWireMetric } from '@flowline/core';
import { TrackingClient } from './tracking-client.js';

/** How the buffer batches: at most `maxBatch` points per call (MLflow's limit is 1000), at least every `intervalMs`. */
export interface MetricBufferOptions {
  maxBatch?: number;
  intervalMs?: number;
  /**
   * Also send what is left on SIGINT/SIGTERM (installing handlers for them while points wait) and on
   * `process.exit()` (for an HTTP server, from a short child process given the request headers, credentials
   * included). Off by default; a `Tracker` turns it on with `FLOWLINE_FLUSH_METRICS_ON_EXIT=true`.
   */
  flushOnExit?: boolean;
}

/**
 * Collects metric points per run and sends them in `log-batch` calls of up to 1000, in order, so a loop
 * logging 100,000 points makes about 100 requests. Sends when a batch is full, on a timer, on `flush()`,
 * and when the event loop drains; with `flushOnExit`, also on SIGINT/SIGTERM (then the signal proceeds)
 * and, for an HTTP server, on `process.exit()` (a synchronous last send).
 */
export class MetricBuffer {
  readonly #store: TrackingStore;
  readonly #maxBatch: number;
  readonly #intervalMs: number;
  readonly #flushOnExit: boolean;
  readonly #pending = new Map<string, Metric[]>();
  /** Batches handed to the store whose call has not finished yet. */
  readonly #sending = new Set<[string, Metric[]]>();
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #timer: NodeJS.Timeout | null = null;
  #hooked = false;
  readonly #onBeforeExit = () => {
    if (this.size > 0) void this.flush().catch(() => {});
  };
  readonly #onExit = () => this.#flushSync();
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#unhook();
    const done = () => {
      // Other listeners decide what the signal means; without any, do what Node would have done.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    this.flush().then(done, done);
  };

  constructor(store: TrackingStore, options: MetricBufferOptions = {}) {
    this.#store = store;
    this.#maxBatch = Math.min(options.maxBatch ?? 1000, 1000);
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#flushOnExit = options.flushOnExit === true;
  }

  /** Points waiting to be sent. */
  get size(): number {
    let n = 0;
    for (const [, list] of this.#sending) n += list.length;
    for (const list of this.#pending.values()) n += list.length;
    return n;
  }

  /** Queues a point; a full batch is sent right away (without waiting for it). */
  add(runId: string, metric: Metric): void {
    const list = this.#pending.get(runId) ?? [];
    list.push(metric);
    this.#pending.set(runId, list);
    this.#hook();
    if (list.length >= this.#maxBatch) this.#schedule();
    else this.#timer ??= setTimeout(() => this.#schedule(), this.#intervalMs).unref();
  }

  /** Sends everything queued and waits; throws the first error a background send met. */
  async flush(): Promise<void> {
    this.#schedule();
    await this.#chain;
    if (this.#error) {
      const error = this.#error;
      this.#error = null;
      throw error;
    }
  }

  #schedule(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batches = this.#drain();
    if (batches.length === 0) return;
    for (const batch of batches) this.#sending.add(batch);
    this.#chain = this.#chain.then(async () => {
      for (const batch of batches) {
        try {
          await this.#store.logBatch(batch[0], { metrics: batch[1] });
        } catch (error) {
          this.#error ??= error;
        } finally {
          this.#sending.delete(batch);
        }
      }
      if (this.size === 0) this.#unhook();
    });
  }

  #drain(): Array<[string, Metric[]]> {
    const out: Array<[string, Metric[]]> = [];
    for (const [runId, list] of this.#pending) {
      for (let i = 0; i < list.length; i += this.#maxBatch)
        out.push([runId, list.slice(i, i + this.#maxBatch)]);
    }
    this.#pending.clear();
    return out;
  }

  #hook(): void {
    if (this.#hooked) return;
    this.#hooked = true;
    process.on('beforeExit', this.#onBeforeExit);
    if (!this.#flushOnExit) return;
    process.on('exit', this.#onExit);
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  #unhook(): void {
    if (!this.#hooked) return;
    this.#hooked = false;
    process.off('beforeExit', this.#onBeforeExit);
    process.off('exit', this.#onExit);
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }

  /**
   * On `process.exit()` nothing async runs any more: send what is left, including batches whose request
   * was cut off, from a short child process. A point sent twice is stored once (identical points collapse).
   */
  #flushSync(): void {
    const batches = [...this.#sending, ...this.#drain()];
    if (batches.length === 0 || !(this.#store instanceof TrackingClient)) return;
    const http = this.#store.http;
    const payload = JSON.stringify({
      url: `${http.baseUrl}/api/2.0/mlflow/runs/log-batch`,
      headers: { ...http.headers, 'content-type': 'application/json' },
      bodies: batches.map(([runId, metrics]) => ({ run_id: runId, metrics: metrics.map(toWireMetric) })),
    });
    const script =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",async()=>{const p=JSON.parse(s);' +
      'for(const b of p.bodies){const r=await fetch(p.url,{method:"POST",headers:p.headers,body:JSON.stringify(b)});' +
      'if(!r.ok){process.stderr.write("flowline: could not send buffered metrics: HTTP "+r.status+"\\n");process.exitCode=1}}})';
    spawnSync(process.execPath, ['-e', script], {
      input: payload,
      stdio: ['pipe', 'inherit', 'inherit'],
      timeout: 30_000,
    });
  }
}
