import { access } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type GenaiConfig, readGenaiConfig } from './config.js';
import type { Config } from './config-builder.js';
import { GenaiError } from './errors.js';
import { Generator, type GeneratorParams } from './generator.js';
import { ortSessionOptions } from './session-options.js';

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
   * Loads a model from its folder, or from a `Config` (as `og.Model(config)`, after `clearProviders`,
   * `appendProvider`, `setProviderOption` or `overlay`). Reads `genai_config.json` and opens its decoder
   * file by path, so external `.onnx.data` files are found. Async, since onnxruntime-node creates
   * sessions asynchronously (so there is no `new Model(...)`).
   * Execution providers come from the config's `provider_options` (CPU when empty) or `options.providers`;
   * the session options reach onnxruntime as `ortSessionOptions` says; a provider onnxruntime-node cannot
   * start gives an error naming it.
   */
  static async load(source: string | Config, options: ModelLoadOptions = {}): Promise<Model> {
    const dir = typeof source === 'string' ? source : source.dir;
    const config = typeof source === 'string' ? await readGenaiConfig(dir) : source.config;
    const decoder = config.model.decoder;
    const sessionOptions = ortSessionOptions(decoder.session_options, options);
    const providers = sessionOptions.executionProviders.map((p) => (typeof p === 'string' ? p : p.name));
    const file = join(dir, decoder.filename);
    await access(file).catch((cause: unknown) => {
      throw new GenaiError(
        'INVALID_CONFIG',
        `genai_config.json names the decoder file '${decoder.filename}', which is not in ${dir}; check model.decoder.filename.`,
        { cause },
      );
    });
    const session = await ort.InferenceSession.create(file, sessionOptions).catch((cause: unknown) => {
      throw new GenaiError(
        'PROVIDER_UNAVAILABLE',
        `Could not start the model in ${dir} with execution providers [${providers.join(', ')}]: ${(cause as Error).message}. ` +
          'onnxruntime-node here may lack that provider; use CPU (empty provider_options) or install a build that has it.',
        { cause },
      );
    });
    return new Model(dir, config, session);
  }

  /**
   * The older ONNX Runtime GenAI API (0.3 to 0.5): runs a whole generation for `params.inputIds` and
   * returns one token list per sequence (each row, or each of a beam search's `num_return_sequences`
   * per row), prompt included, so slice it off before decoding the answer. Async, unlike Python's.
   */
  async generate(params: GeneratorParams): Promise<number[][]> {
    if (!params.inputIds)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        'Set params.inputIds (tokenizer.encode(prompt)) before model.generate(params).',
      );
    const generator = new Generator(this, params);
    while (!generator.isDone()) await generator.generateNextToken();
    return generator.getSequences();
  }

  /** Releases the onnxruntime session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}
