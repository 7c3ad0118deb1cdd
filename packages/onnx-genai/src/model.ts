import { access } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type GenaiConfig, readGenaiConfig } from './config.js';
import { GenaiError } from './errors.js';

/** onnxruntime-node's names for the execution providers a genai_config may ask for. */
const PROVIDERS: Record<string, string> = {
  cpu: 'cpu',
  cuda: 'cuda',
  tensorrt: 'tensorrt',
  dml: 'dml',
  coreml: 'coreml',
  webgpu: 'webgpu',
};

const GRAPH_LEVELS = {
  ORT_DISABLE_ALL: 'disabled',
  ORT_ENABLE_BASIC: 'basic',
  ORT_ENABLE_EXTENDED: 'extended',
  ORT_ENABLE_ALL: 'all',
} as const;

/** Element types the decoder graph declares for the inputs the generator builds. */
export interface ModelIoTypes {
  inputIds: 'int32' | 'int64';
  attentionMask: 'int32' | 'int64';
  positionIds: 'int32' | 'int64' | null;
  kv: 'float32' | 'float16';
}

/** Options for `Model.load`. */
export interface ModelLoadOptions {
  /** Execution providers by name (`cpu`, `cuda`, …), overriding the config's `provider_options`. */
  providers?: string[];
  /** Threads for one operator; the config's `intra_op_num_threads` otherwise, then onnxruntime's choice. */
  intraOpNumThreads?: number;
}

/** A decoder-only model folder exported for ONNX Runtime GenAI, with one onnxruntime session. */
export class Model {
  readonly config: GenaiConfig;
  readonly session: ort.InferenceSession;
  readonly dir: string;
  /** The graph's input types, read once from the session (int32 or int64 ids and mask, KV dtype). */
  readonly io: ModelIoTypes;

  private constructor(dir: string, config: GenaiConfig, session: ort.InferenceSession) {
    this.dir = dir;
    this.config = config;
    this.session = session;
    const { inputs } = config.model.decoder;
    const typeOf = (name: string) => {
      const meta = session.inputMetadata.find((entry) => entry.name === name);
      return meta?.isTensor ? meta.type : undefined;
    };
    const intType = (name: string) => (typeOf(name) === 'int32' ? 'int32' : 'int64');
    const pastKey = inputs.past_key_names.replace('%d', '0');
    this.io = {
      inputIds: intType(inputs.input_ids),
      attentionMask: intType(inputs.attention_mask),
      positionIds: session.inputNames.includes(inputs.position_ids) ? intType(inputs.position_ids) : null,
      kv: typeOf(pastKey) === 'float16' ? 'float16' : 'float32',
    };
  }

  /**
   * Loads `genai_config.json` and its decoder file (by path, so external `.onnx.data` files are found).
   * Execution providers come from the config's `provider_options` (CPU when empty) or
   * `options.providers`; one onnxruntime-node cannot start gives an error naming it.
   */
  static async load(dir: string, options: ModelLoadOptions = {}): Promise<Model> {
    const config = await readGenaiConfig(dir);
    const decoder = config.model.decoder;
    const requested =
      options.providers ?? decoder.session_options.provider_options.map((entry) => Object.keys(entry)[0]!);
    const providers = requested.map((name) => {
      const key = name.toLowerCase().replace(/executionprovider$/, '');
      const mapped = PROVIDERS[key];
      if (!mapped)
        throw new GenaiError(
          'INVALID_ARGUMENT',
          `Unknown execution provider '${name}'; use one of ${Object.keys(PROVIDERS).join(', ')}.`,
        );
      return mapped;
    });
    const file = join(dir, decoder.filename);
    await access(file).catch((cause: unknown) => {
      throw new GenaiError(
        'INVALID_CONFIG',
        `genai_config.json names the decoder file '${decoder.filename}', which is not in ${dir}; check model.decoder.filename.`,
        { cause },
      );
    });
    const threads = options.intraOpNumThreads ?? decoder.session_options.intra_op_num_threads;
    const session = await ort.InferenceSession.create(file, {
      executionProviders: providers.length > 0 ? providers : ['cpu'],
      executionMode: 'sequential',
      ...(threads ? { intraOpNumThreads: threads } : {}),
      ...(decoder.session_options.inter_op_num_threads
        ? { interOpNumThreads: decoder.session_options.inter_op_num_threads }
        : {}),
      ...(decoder.session_options.graph_optimization_level
        ? { graphOptimizationLevel: GRAPH_LEVELS[decoder.session_options.graph_optimization_level] }
        : {}),
    }).catch((cause: unknown) => {
      throw new GenaiError(
        'PROVIDER_UNAVAILABLE',
        `Could not start the model in ${dir} with execution providers [${providers.join(', ') || 'cpu'}]: ${(cause as Error).message}. ` +
          'onnxruntime-node here may lack that provider; use CPU (empty provider_options) or install a build that has it.',
        { cause },
      );
    });
    return new Model(dir, config, session);
  }

  /** Releases the onnxruntime session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}
