import { MlflowError } from '@flowline/core';
import type { MLModel } from './mlmodel.js';
import type { ModelSignature } from './signature/types.js';

/** Per-call options of a prediction. */
export interface PredictOptions {
  /**
   * Cancels the prediction: a generating model stops at its next token and the prediction rejects with
   * `signal.reason` (a model that cannot stop early may ignore it).
   */
  signal?: AbortSignal;
  /** Told as a generating model's request proceeds (a tracing server times its phases with it); other models ignore it. */
  observer?: GenerationObserver;
}

/** What a generating model tells its caller while it answers. */
export interface GenerationObserver {
  /** The request was read and checked, and its prompt tokenized: generation starts next. */
  prepared?(): void;
  /** The first generated text of the answer (of any choice) arrived. */
  firstToken?(): void;
}

/** One counter or gauge a model keeps about itself (an LLM engine's steps or running rows), for Prometheus. */
export interface ModelMetric {
  /** snake_case; the scoring server exports it as `flowline_model_<name>`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  value: number;
}

/** What a loaded model offers, whatever its flavor: MLflow's pyfunc `predict`, for Node. */
export interface Predictor {
  predict(input: unknown, params?: Record<string, unknown>, options?: PredictOptions): Promise<unknown>;
  /** Streams the prediction in pieces (tokens of a chat answer), for models that can. */
  predictStream?(
    input: unknown,
    params?: Record<string, unknown>,
    options?: PredictOptions,
  ): AsyncIterable<unknown>;
  /**
   * True when `predict` reads and checks its input itself (OpenAI-style LLM requests, see
   * `generatingPredictor`): the signature's input schema is then not enforced before it.
   */
  readsRequest?: boolean;
  /** Its own counters and gauges as of now (models with an engine: steps, rows, cached tokens). */
  metrics?(): ModelMetric[];
  /** Releases what the model holds (runtime sessions, native memory); called once by `LoadedModel.close`. */
  close?(): Promise<void>;
}

/** What a flavor's `save` wrote into the model folder, for `MLmodel`. */
export interface SavedFlavor {
  /** The `flavors` entries: the flavor's own config, and any other it writes (`python_function`). */
  flavors: Record<string, Record<string, unknown>>;
  /** MLmodel `metadata` the flavor sets (`task: llm/v1/chat`); the caller's own keys win. */
  metadata?: Record<string, unknown>;
  /** The signature parts the flavor knows (a chat schema, its params); they win over inferred ones. */
  signature?: ModelSignature;
}

/** A flavor: how a kind of model is saved into a folder and loaded back. Adding one touches no other. */
export interface Flavor<Spec = unknown> {
  readonly name: string;
  /** Writes the model's payload into `dir` (an empty folder) from the flavor's spec. */
  save(dir: string, spec: Spec): Promise<SavedFlavor>;
  load(dir: string, config: Record<string, unknown>, model: MLModel): Promise<Predictor>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds flavors of every spec type.
type AnyFlavor = Flavor<any>;

interface Entry {
  shorthand?: string;
  get: () => Promise<AnyFlavor>;
}

/** How a lazily registered flavor is found: the `saveModel` option that names it (`onnx: {…}`). */
export interface LazyFlavorOptions {
  shorthand?: string;
}

/** Flavors by name; a flavor registered with an import function is imported the first time it is used. */
export class FlavorRegistry {
  readonly #entries = new Map<string, Entry>();

  /** Adds (or replaces) a flavor. */
  register(flavor: AnyFlavor, options: LazyFlavorOptions = {}): this {
    this.#entries.set(flavor.name, { ...options, get: async () => flavor });
    return this;
  }

  /** Adds (or replaces) a flavor whose module `load` imports on first use (`() => import('./my-flavor.js')`). */
  registerLazy(name: string, load: () => Promise<AnyFlavor>, options: LazyFlavorOptions = {}): this {
    let loading: Promise<AnyFlavor> | undefined;
    this.#entries.set(name, {
      ...options,
      get: () => {
        loading ??= load().catch((error: unknown) => {
          loading = undefined;
          throw error;
        });
        return loading;
      },
    });
    return this;
  }

  /** The names of the registered flavors. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** The flavor names `saveModel` options stand for (`{ onnx: 'onnx', custom: 'custom_js' }`). */
  shorthands(): Record<string, string> {
    return Object.fromEntries(
      [...this.#entries].flatMap(([name, e]) => (e.shorthand ? [[e.shorthand, name]] : [])),
    );
  }

  /** The flavor registered under `name`. */
  async get(name: string): Promise<AnyFlavor> {
    const entry = this.#entries.get(name);
    if (!entry)
      throw MlflowError.invalidParameterValue(
        `No flavor named '${name}'; registered: ${this.names().join(', ')}. Register it on a FlavorRegistry first.`,
      );
    return entry.get();
  }

  /** The flavor to load a model with: the first of its flavors this registry knows. */
  async pick(model: MLModel): Promise<{ flavor: AnyFlavor; config: Record<string, unknown> }> {
    for (const [name, config] of Object.entries(model.flavors)) {
      if (this.#entries.has(name)) return { flavor: await this.get(name), config };
    }
    throw MlflowError.invalidParameterValue(
      `This model has flavors ${Object.keys(model.flavors).join(', ')}, and Flowline cannot run any of them ` +
        `(it knows ${this.names().join(', ')}). Log the model with a flavor Flowline supports.`,
    );
  }
}
