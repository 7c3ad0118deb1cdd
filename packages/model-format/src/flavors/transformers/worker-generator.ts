import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ModelMetric } from '../../flavor.js';
import type { ChatMessage, Generated } from '../../llm.js';
import {
  type FromGenerationWorker,
  type GenerationWorkerData,
  type GenerationWorkerStats,
  reviveError,
  type ToGenerationWorker,
} from './generation-protocol.js';

/**
 * The built worker entry: beside this file in `dist`; from the TypeScript sources (this package's own
 * tests), the built `dist/flavors/transformers/generation-worker.js`, since Node 20 cannot run a `.ts` worker.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./generation-worker.js', here);
  const built = new URL('../../../dist/flavors/transformers/generation-worker.js', here);
  if (!existsSync(fileURLToPath(built)))
    throw new Error(
      `The transformers generation worker is not built (${fileURLToPath(built)} is missing): run \`pnpm turbo run build --filter=@flowline/model-format\` first.`,
    );
  return built;
}

/**
 * This process's Node options for the worker, less those about the main script: `node --input-type=module
 * -e …` (how a script is often run) would otherwise make the worker refuse its own file.
 */
function workerExecArgv(): string[] {
  const kept: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (['-e', '--eval', '-p', '--print'].includes(arg)) i++;
    else if (!arg.startsWith('--input-type') && !/^(-e|--eval|-p|--print)=/.test(arg)) kept.push(arg);
  }
  return kept;
}

/** One request for the worker: waiting in the queue, then in flight. */
interface Job {
  id: number;
  input: string | ChatMessage[];
  options: Record<string, unknown>;
  onText?: (text: string) => void;
  signal?: AbortSignal;
  resolve(result: Generated): void;
  reject(error: Error): void;
  /** Set once the cancel was posted: pieces after it are not the answer's. */
  cancelled: boolean;
  /** Tokens made when a stop (its signal) came in with a piece: the answer counts only these. */
  stoppedAt?: number;
}

/**
 * A transformers.js text-generation pipeline on a worker thread, so onnxruntime-node's synchronous run
 * (a long prefill or generation) never blocks the thread serving HTTP. transformers.js has no continuous
 * batching: the worker runs one generation at a time and the rest wait here, in order.
 */
export class WorkerGenerator {
  readonly #worker: Worker;
  readonly #queue: Job[] = [];
  readonly #exited: Promise<void>;
  #current: Job | null = null;
  #nextId = 1;
  #stats: GenerationWorkerStats = { generations: 0, generatedTokens: 0 };
  /** Set once closed or after the worker died: why new generations are refused. */
  #closed: Error | null = null;
  #ready!: { resolve(): void; reject(error: Error): void };

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    let crash: unknown;
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('message', (message: FromGenerationWorker) => this.#receive(message));
    worker.on('exit', (code) => {
      const why = crash instanceof Error ? `: ${crash.message}` : '';
      const error = new Error(
        `The transformers generation worker exited unexpectedly (exit code ${code})${why}; load the model again.`,
        { cause: crash },
      );
      this.#ready.reject(error);
      this.#shut(error);
    });
  }

  /** Starts a worker that loads the model in `dir` with its flavor `config`; rejects with the worker's error. */
  static async start(dir: string, config: Record<string, unknown>): Promise<WorkerGenerator> {
    const workerData: GenerationWorkerData = { dir, config };
    const worker = new Worker(workerEntry(), { workerData, execArgv: workerExecArgv() });
    const generator = new WorkerGenerator(worker);
    try {
      await new Promise<void>((resolve, reject) => {
        generator.#ready = { resolve, reject };
      });
    } catch (error) {
      await generator.close();
      throw error;
    }
    worker.unref();
    return generator;
  }

  /**
   * Generates one answer in the worker once the requests before it are done, text pieces going to
   * `onText`. Once `signal` aborts, a waiting request is dropped (it never starts; this rejects with the
   * signal's reason) and a running one stops at its next token and resolves with what it made.
   */
  generate(
    input: string | ChatMessage[],
    options: Record<string, unknown>,
    onText?: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<Generated> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Generated>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, input, options, resolve, reject, cancelled: false };
      if (onText) job.onText = onText;
      if (signal) {
        job.signal = signal;
        const cancel = () => this.#cancel(job);
        signal.addEventListener('abort', cancel, { once: true });
        const settle = { resolve: job.resolve, reject: job.reject };
        job.resolve = (result) => {
          signal.removeEventListener('abort', cancel);
          settle.resolve(result);
        };
        job.reject = (error) => {
          signal.removeEventListener('abort', cancel);
          settle.reject(error);
        };
      }
      this.#queue.push(job);
      this.#next();
    });
  }

  /** The worker's counters and this side's queue, for the scoring server's `/metrics`. */
  metrics(): ModelMetric[] {
    return [
      {
        name: 'generations_total',
        help: 'Generations the model started (one at a time; transformers.js has no batching).',
        type: 'counter',
        value: this.#stats.generations,
      },
      {
        name: 'generated_tokens_total',
        help: 'Tokens the model generated.',
        type: 'counter',
        value: this.#stats.generatedTokens,
      },
      {
        name: 'generations_running',
        help: 'Generations running now (0 or 1).',
        type: 'gauge',
        value: this.#current ? 1 : 0,
      },
      {
        name: 'generations_waiting',
        help: 'Requests waiting for the running generation to end.',
        type: 'gauge',
        value: this.#queue.length,
      },
    ];
  }

  /**
   * Ends the worker once its generation in flight has stopped (terminating it inside onnxruntime's run
   * aborts the process), releasing its sessions; pending predictions reject.
   */
  async close(): Promise<void> {
    this.#shut(new Error('The model was closed before this generation finished.'));
    this.#worker.ref(); // an idle worker is unref'd; the process must wait for its exit here
    this.#post({ type: 'close' });
    await this.#exited;
  }

  #post(message: ToGenerationWorker): void {
    this.#worker.postMessage(message);
  }

  /** Sends the next waiting request to the worker when it is free; keeps the process alive only while busy. */
  #next(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) {
      this.#worker.unref();
      return;
    }
    this.#current = job;
    this.#worker.ref();
    try {
      this.#post({ type: 'generate', id: job.id, input: job.input, options: job.options });
    } catch (error) {
      // Options that cannot be cloned to the worker (a function) fail this request, not the queue.
      this.#current = null;
      job.reject(error instanceof Error ? error : new Error(String(error)));
      this.#next();
    }
  }

  #cancel(job: Job): void {
    const waiting = this.#queue.indexOf(job);
    if (waiting >= 0) {
      this.#queue.splice(waiting, 1);
      job.reject(job.signal?.reason ?? new Error('The generation was cancelled.'));
    } else if (this.#current === job && !job.cancelled) {
      job.cancelled = true;
      this.#post({ type: 'cancel', id: job.id });
    }
  }

  #receive(message: FromGenerationWorker): void {
    if (message.type === 'ready' || message.type === 'failed') {
      if (message.type === 'ready') this.#ready.resolve();
      else this.#ready.reject(reviveError(message.error));
      return;
    }
    const job = this.#current;
    if (!job || job.id !== message.id) return; // a request closed or failed here already
    if (message.type === 'text') {
      if (!job.cancelled && !job.signal?.aborted) {
        job.onText?.(message.text);
        // A stop seen in this piece: what the worker makes before it hears the cancel is not the answer's.
        if (job.signal?.aborted) job.stoppedAt = message.tokens;
      }
      return;
    }
    this.#stats = message.stats;
    this.#current = null;
    if (message.type === 'done')
      job.resolve(
        job.stoppedAt === undefined
          ? message.result
          : { ...message.result, completionTokens: Math.min(message.result.completionTokens, job.stoppedAt) },
      );
    else job.reject(reviveError(message.error));
    this.#next();
  }

  /** Refuses new generations from now on and rejects the pending ones with `error`. */
  #shut(error: Error): void {
    this.#closed ??= error;
    const pending = [...(this.#current ? [this.#current] : []), ...this.#queue.splice(0)];
    if (this.#current) this.#current.cancelled = true;
    for (const job of pending) job.reject(error);
  }
}
