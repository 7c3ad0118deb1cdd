import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GenaiConfig, SearchOptions } from './config.js';
import type { EngineSettings } from './engine-config.js';
import type {
  EngineWorkerData,
  FinishReason,
  FromEngineWorker,
  GenerationUpdate,
  SerializedGenaiError,
  ToEngineWorker,
  WorkerEngineStats,
  WorkerRequestOptions,
} from './engine-worker.js';
import { GenaiConfigError, GenaiError } from './errors.js';
import type { GuidanceType } from './guidance/index.js';
import type { StepLogprobs } from './logits.js';
import type { ModelLoadOptions } from './model.js';

export type { FinishReason, WorkerEngineStats } from './engine-worker.js';

/** Options for `WorkerEngine.start`: how the worker loads the model, and its engine's settings. */
export interface WorkerEngineOptions extends ModelLoadOptions {
  /** Passed as given to `new Engine(model, settings)` in the worker (the config's `engine` object, then these). */
  settings?: Partial<EngineSettings>;
}

/** What a finished generation made. */
export interface GenerationResult {
  /** Every generated token, as streamed (a final eos included, as `Request.getNewTokens`). */
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
  /** Prompt tokens whose KV cache came from an earlier conversation (`max_cached_prefixes`), not prefilled again. */
  cachedTokens: number;
  /** With `logprobs`: one entry per token, in order. */
  logprobs?: StepLogprobs[];
}

/** One generation running in the worker: `for await` streams its tokens; `done` settles when it ends. */
export interface Generation extends AsyncIterable<number> {
  /** Resolves when the worker finished or cancelled it; rejects with a `GenaiError` when it failed. */
  readonly done: Promise<GenerationResult>;
}

/** Per-generation options. */
export interface GenerateOptions {
  /** Token id → bias added to its logit (OpenAI's `logit_bias`). */
  logitBias?: ReadonlyMap<number, number>;
  /** Return each token's log-probability with this many alternatives (`done`'s `logprobs`). */
  logprobs?: number;
  /** Constrained decoding, compiled in the worker against the model's vocabulary (`compileGuidance`). */
  guidance?: { type: GuidanceType; data: string };
  /** Aborting cancels the request in the worker (its row is freed); the generation ends as `cancelled`. */
  signal?: AbortSignal;
}

/** Rebuilds a worker's error on this thread, class and code kept. */
function revive(error: SerializedGenaiError): GenaiError {
  return error.code === 'INVALID_CONFIG'
    ? new GenaiConfigError(error.message)
    : new GenaiError(error.code, error.message);
}

/**
 * The built worker entry: beside this file in `dist`; from the TypeScript sources (the package's own
 * tests), the built `dist/engine-worker.js`, since Node 20 cannot run a `.ts` worker.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./engine-worker.js', here);
  const built = new URL('../dist/engine-worker.js', here);
  if (!existsSync(fileURLToPath(built)))
    throw new GenaiError(
      'INVALID_STATE',
      `The engine worker is not built (${fileURLToPath(built)} is missing): run \`pnpm turbo run build --filter=@flowline/onnx-genai\` first.`,
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

/** One generation's main-thread side: buffers its tokens for any number of readers. */
class WorkerGeneration implements Generation {
  readonly done: Promise<GenerationResult>;
  readonly #promptTokens: number;
  readonly #tokens: number[] = [];
  #ended: { error?: GenaiError } | null = null;
  #wakers: Array<() => void> = [];
  #resolve!: (result: GenerationResult) => void;
  #reject!: (error: GenaiError) => void;

  constructor(promptTokens: number) {
    this.#promptTokens = promptTokens;
    this.done = new Promise<GenerationResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A caller may only iterate (which throws the error too); an unwatched `done` must not crash the process.
    this.done.catch(() => {});
  }

  get ended(): boolean {
    return this.#ended !== null;
  }

  readonly #logprobs: StepLogprobs[] = [];
  #wantsLogprobs = false;

  push(tokens: number[], logprobs?: StepLogprobs[]): void {
    if (logprobs) {
      this.#wantsLogprobs = true;
      for (const entry of logprobs) this.#logprobs.push(entry);
    }
    if (this.#ended || tokens.length === 0) return;
    for (const token of tokens) this.#tokens.push(token);
    this.#wake();
  }

  finish(finishReason: FinishReason, cachedTokens = 0): void {
    if (this.#ended) return;
    this.#ended = {};
    this.#resolve({
      tokens: [...this.#tokens],
      finishReason,
      promptTokens: this.#promptTokens,
      cachedTokens,
      ...(this.#wantsLogprobs ? { logprobs: [...this.#logprobs] } : {}),
    });
    this.#wake();
  }

  fail(error: GenaiError): void {
    if (this.#ended) return;
    this.#ended = { error };
    this.#reject(error);
    this.#wake();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<number, void, undefined> {
    for (let next = 0; ; ) {
      while (next < this.#tokens.length) yield this.#tokens[next++]!;
      if (this.#ended?.error) throw this.#ended.error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wakers.push(resolve));
    }
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }
}

/**
 * An `Engine` on a worker thread: the worker loads the model (its own session) and steps the engine
 * while requests are pending, so onnxruntime's synchronous `run` never blocks this thread. Tokens
 * stream back after every step.
 */
export class WorkerEngine {
  readonly #worker: Worker;
  readonly #live = new Map<number, WorkerGeneration>();
  readonly #ready: Promise<GenaiConfig>;
  #config: GenaiConfig | undefined;
  #nextId = 1;
  #stats: WorkerEngineStats = {
    steps: 0,
    running: 0,
    waiting: 0,
    generatedTokens: 0,
    prefilledTokens: 0,
    cachedTokens: 0,
  };
  /** Set once closed or after the worker died: why new generations are refused. */
  #closed: GenaiError | null = null;
  readonly #exited: Promise<void>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    let ready!: (config: GenaiConfig) => void;
    let failed!: (error: GenaiError) => void;
    this.#ready = new Promise((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    worker.on('message', (message: FromEngineWorker) => {
      if (message.type === 'progress') this.#progress(message.updates, message.stats);
      else if (message.type === 'ready') ready(message.config);
      else failed(revive(message.error));
    });
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    let crash: unknown;
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('exit', (code) => {
      const why = crash instanceof Error ? `: ${crash.message}` : '';
      const error = new GenaiError(
        'INVALID_STATE',
        `The engine worker exited unexpectedly (exit code ${code})${why}; start a new WorkerEngine.`,
        { cause: crash },
      );
      failed(error);
      if (!this.#closed) this.#shut(error);
    });
  }

  /** Starts a worker that loads `dir` (as `Model.load(dir, options)`) and builds its engine; rejects with the worker's `GenaiError`. */
  static async start(dir: string, options: WorkerEngineOptions = {}): Promise<WorkerEngine> {
    const { settings = {}, ...load } = options;
    const workerData: EngineWorkerData = { dir, load, settings };
    const engine = new WorkerEngine(new Worker(workerEntry(), { workerData, execArgv: workerExecArgv() }));
    try {
      engine.#config = await engine.#ready;
    } catch (error) {
      await engine.close();
      throw error;
    }
    engine.#worker.unref();
    return engine;
  }

  /** The `genai_config.json` the worker loaded (as `readGenaiConfig` returns it). */
  get config(): GenaiConfig {
    return this.#config!;
  }

  /** Queues a generation of `prompt` with these search options (checked in the worker, as `GeneratorParams.setSearchOptions`). */
  generate(
    prompt: ArrayLike<number | bigint>,
    search: Partial<SearchOptions> = {},
    options: GenerateOptions = {},
  ): Generation {
    const ids = Array.from(prompt, Number);
    const generation = new WorkerGeneration(ids.length);
    const { signal } = options;
    if (this.#closed) generation.fail(this.#closed);
    else if (signal?.aborted) generation.finish('cancelled');
    if (generation.ended) return generation;
    const id = this.#nextId++;
    this.#live.set(id, generation);
    this.#worker.ref();
    const extra: WorkerRequestOptions = {
      ...(options.logitBias ? { logitBias: [...options.logitBias] } : {}),
      ...(options.logprobs !== undefined ? { logprobs: options.logprobs } : {}),
      ...(options.guidance ? { guidance: options.guidance } : {}),
    };
    this.#post({ type: 'generate', id, prompt: ids, search, options: extra });
    if (signal) {
      // The worker removes the request at once and answers; the generation ends with that answer.
      const cancel = () => {
        if (this.#live.has(id)) this.#post({ type: 'cancel', id });
      };
      signal.addEventListener('abort', cancel, { once: true });
      void generation.done.finally(() => signal.removeEventListener('abort', cancel)).catch(() => {});
    }
    return generation;
  }

  /** The worker's counters as of its last message (one after every step, cancel or refusal). */
  stats(): WorkerEngineStats {
    return { ...this.#stats };
  }

  /**
   * Stops the worker once its step in flight ends (terminating it inside onnxruntime's run aborts the
   * process), releasing its session; generations still pending reject with a `GenaiError` (`INVALID_STATE`).
   */
  async close(): Promise<void> {
    this.#shut(
      new GenaiError('INVALID_STATE', 'The worker engine was closed before this generation finished.'),
    );
    this.#worker.ref(); // an idle worker is unref'd; the process must wait for its exit here
    this.#post({ type: 'close' });
    await this.#exited;
  }

  #post(message: ToEngineWorker): void {
    this.#worker.postMessage(message);
  }

  #progress(updates: GenerationUpdate[], stats: WorkerEngineStats): void {
    this.#stats = stats;
    for (const update of updates) {
      const generation = this.#live.get(update.id);
      if (!generation) continue;
      generation.push(update.tokens, update.logprobs);
      if (update.error) generation.fail(revive(update.error));
      else if (update.finish) generation.finish(update.finish, update.cachedTokens);
      if (generation.ended) this.#live.delete(update.id);
    }
    // Idle, the worker does not keep the process alive; once closing, it must until it has exited.
    if (this.#live.size === 0 && !this.#closed) this.#worker.unref();
  }

  /** Refuses new generations from now on and rejects the pending ones with `error`. */
  #shut(error: GenaiError): void {
    this.#closed ??= error;
    for (const generation of this.#live.values()) generation.fail(error);
    this.#live.clear();
  }
}
