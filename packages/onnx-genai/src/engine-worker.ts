// The worker thread behind `WorkerEngine`: it owns the model's session and the `Engine`, steps it while
// requests are pending, and posts every request's new tokens after each step. Idle, it only waits for
// the next message.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { GenaiConfig, SearchOptions } from './config.js';
import { Engine } from './engine.js';
import type { EngineSettings } from './engine-config.js';
import type { GenaiErrorCode } from './errors.js';
import { GenaiError } from './errors.js';
import { GeneratorParams } from './generator.js';
import { compileGuidance, type GuidanceType, type Vocabulary, vocabularyOf } from './guidance/index.js';
import type { StepLogprobs } from './logits.js';
import type { ModelLoadOptions } from './model.js';
import { Model } from './model.js';
import { Request } from './request.js';
import { Tokenizer } from './tokenizer.js';

// What this worker and `WorkerEngine` say to each other. `WorkerEngine` imports only these types from
// here: this module's code runs only as a worker (on the main thread it throws).

/** Why a generation ended: an eos, `max_length`, or a cancel through its signal. */
export type FinishReason = 'stop' | 'length' | 'cancelled';

/** The worker's engine counters, as of its last message. */
export interface WorkerEngineStats {
  /** Engine steps run since start. */
  steps: number;
  running: number;
  waiting: number;
  generatedTokens: number;
  /** Prompt tokens run through the model (prefill). */
  prefilledTokens: number;
  /** Prompt tokens taken from kept caches instead (`max_cached_prefixes`). */
  cachedTokens: number;
}

/** A `GenaiError` across the thread boundary. */
export interface SerializedGenaiError {
  code: GenaiErrorCode;
  message: string;
}

/** What the worker is started with (its `workerData`). */
export interface EngineWorkerData {
  dir: string;
  load: ModelLoadOptions;
  settings: Partial<EngineSettings>;
}

/** Main thread → worker. */
export type ToEngineWorker =
  | {
      type: 'generate';
      id: number;
      prompt: number[];
      search: Partial<SearchOptions>;
      options?: WorkerRequestOptions;
    }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

/** One generation's news in a worker message: new tokens, and how it ended when it did. */
/** A generation's options beyond search options, as they cross the thread (see `GenerateOptions`). */
export interface WorkerRequestOptions {
  logitBias?: [number, number][];
  logprobs?: number;
  guidance?: { type: GuidanceType; data: string };
}

export interface GenerationUpdate {
  id: number;
  tokens: number[];
  /** With `logprobs`: one entry per token in `tokens`. */
  logprobs?: StepLogprobs[];
  finish?: FinishReason;
  /** With `finish`: prompt tokens the engine took from a kept cache. */
  cachedTokens?: number;
  error?: SerializedGenaiError;
}

/** Worker → main thread. */
export type FromEngineWorker =
  | { type: 'ready'; config: GenaiConfig }
  | { type: 'failed'; error: SerializedGenaiError }
  | { type: 'progress'; updates: GenerationUpdate[]; stats: WorkerEngineStats };

function parent(): MessagePort {
  if (!parentPort)
    throw new Error('engine-worker.js is the entry of a worker thread; use WorkerEngine.start.');
  return parentPort;
}
const port = parent();

/** An error as the main thread rebuilds it: a `GenaiError`'s code and message, anything else wrapped. */
function serialize(error: unknown): SerializedGenaiError {
  if (error instanceof GenaiError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INVALID_STATE', message: `The engine worker's model run failed: ${message}` };
}

function post(message: FromEngineWorker): void {
  port.postMessage(message);
}

interface Live {
  request: Request;
  /** The last token streamed, to tell an eos stop from max_length. */
  last: number | undefined;
  /** Whether its tokens' log-probabilities go back with them, and how many have. */
  logprobs: boolean;
  sentLogprobs: number;
}

/** Serves the main thread's messages with this model and engine. */
function serve(model: Model, engine: Engine): void {
  const eos = new Set(model.config.model.eos_token_id);
  const live = new Map<number, Live>();
  let steps = 0;
  let generatedTokens = 0;
  let stepping = false;
  let closing = false;
  /** Messages that arrived during a step (onnxruntime's run yields to the event loop), applied after it. */
  const inbox: ToEngineWorker[] = [];

  function report(updates: GenerationUpdate[]): void {
    const { prefilledTokens, reusedTokens } = engine.stats;
    const stats = {
      steps,
      running: engine.runningCount,
      waiting: engine.waitingCount,
      generatedTokens,
      prefilledTokens,
      cachedTokens: reusedTokens,
    };
    post({ type: 'progress', updates, stats });
  }

  function finishReason({ request, last }: Live): FinishReason {
    if (request.isCancelled()) return 'cancelled';
    return last !== undefined && eos.has(last) ? 'stop' : 'length';
  }

  /** Every live request's new tokens since the last report; finished ones leave `live`. */
  function collect(): GenerationUpdate[] {
    const updates: GenerationUpdate[] = [];
    for (const [id, entry] of live) {
      const tokens = entry.request.getNewTokens();
      generatedTokens += tokens.length;
      entry.last = tokens.at(-1) ?? entry.last;
      const done = entry.request.isDone();
      if (tokens.length === 0 && !done) continue;
      const logprobs = entry.logprobs ? entry.request.getLogprobs().slice(entry.sentLogprobs) : undefined;
      entry.sentLogprobs += logprobs?.length ?? 0;
      const update: GenerationUpdate = { id, tokens, ...(logprobs ? { logprobs } : {}) };
      updates.push(
        done ? { ...update, finish: finishReason(entry), cachedTokens: entry.request.reusedTokens } : update,
      );
      if (done) live.delete(id);
    }
    return updates;
  }

  let vocabulary: Vocabulary | undefined;
  /** The model's vocabulary as text, for guidance (its tokenizer loaded on first use). */
  const vocabularyFor = () => {
    vocabulary ??= vocabularyOf(
      new Tokenizer(model),
      model.config.model.vocab_size,
      model.config.model.eos_token_id,
    );
    return vocabulary;
  };

  function add({ id, prompt, search, options = {} }: ToEngineWorker & { type: 'generate' }): void {
    try {
      const params = new GeneratorParams(model);
      params.setSearchOptions(search);
      const request = new Request(params, {
        ...(options.logitBias ? { logitBias: options.logitBias } : {}),
        ...(options.logprobs !== undefined ? { logprobs: options.logprobs } : {}),
        ...(options.guidance
          ? { guidance: compileGuidance(options.guidance.type, options.guidance.data, vocabularyFor()) }
          : {}),
      });
      request.addTokens(prompt);
      // A prompt already at max_length has nothing to generate (an engine refuses a done request).
      if (request.isDone()) report([{ id, tokens: [], finish: 'length' }]);
      else {
        engine.addRequest(request);
        live.set(id, { request, last: undefined, logprobs: options.logprobs !== undefined, sentLogprobs: 0 });
      }
    } catch (error) {
      report([{ id, tokens: [], error: serialize(error) }]);
    }
  }

  function cancel(id: number): void {
    const entry = live.get(id);
    if (!entry) return; // finished already; its end is on its way
    engine.removeRequest(entry.request);
    const tokens = entry.request.getNewTokens();
    generatedTokens += tokens.length;
    live.delete(id);
    report([{ id, tokens, finish: 'cancelled', cachedTokens: entry.request.reusedTokens }]);
  }

  /** Applies the queued messages; only between steps, so a step never sees its batch change. */
  function drain(): void {
    for (const message of inbox.splice(0)) {
      if (message.type === 'generate') add(message);
      else if (message.type === 'cancel') cancel(message.id);
      else {
        close();
        return;
      }
    }
  }

  /** Drops every request and releases the session; with the port closed the thread ends. */
  function close(): void {
    closing = true;
    for (const { request } of live.values()) engine.removeRequest(request);
    live.clear();
    inbox.length = 0;
    void model.close().finally(() => port.close());
  }

  /** Steps while requests are pending, taking in the messages that arrived after each step. */
  async function run(): Promise<void> {
    if (stepping) return; // one loop at a time: two would step the engine concurrently
    stepping = true;
    try {
      while (engine.hasPendingRequests()) {
        try {
          await engine.step();
          steps++;
          report(collect());
        } catch (error) {
          // After a failed run the rows' caches are not to be trusted: every request in the engine fails.
          const failure = serialize(error);
          const updates = [...live].map(([id, { request }]) => {
            engine.removeRequest(request);
            return { id, tokens: request.getNewTokens(), error: failure };
          });
          live.clear();
          report(updates);
        }
        await new Promise((resolve) => setImmediate(resolve));
        drain();
      }
    } finally {
      stepping = false;
    }
  }

  port.on('message', (message: ToEngineWorker) => {
    if (closing) return;
    inbox.push(message);
    if (stepping) return;
    drain();
    void run();
  });
  post({ type: 'ready', config: model.config });
}

const { dir, load, settings } = workerData as EngineWorkerData;
let model: Model | undefined;
try {
  model = await Model.load(dir, load);
  serve(model, new Engine(model, settings));
} catch (error) {
  await model?.close();
  // Closing the port lets the thread end once the message is out; the main thread rejects `start` with it.
  post({ type: 'failed', error: serialize(error) });
  port.close();
}
