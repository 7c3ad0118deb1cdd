import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EngineSettings, parseEngineSettings } from './engine-config.js';
import { GenaiConfigError } from './errors.js';

/** Search options, as `genai_config.json`'s `search` object names them (ONNX Runtime GenAI's defaults). */
export interface SearchOptions {
  max_length: number;
  min_length: number;
  do_sample: boolean;
  top_k: number;
  top_p: number;
  temperature: number;
  repetition_penalty: number;
  num_beams: number;
  num_return_sequences: number;
  early_stopping: boolean;
  length_penalty: number;
  no_repeat_ngram_size: number;
  diversity_penalty: number;
  past_present_share_buffer: boolean;
  random_seed: number;
  batch_size: number;
  chunk_size?: number;
  /** Flowline's (OpenAI's), not ONNX Runtime GenAI's: -2 to 2, subtracted once from each generated token's logit. */
  presence_penalty?: number;
  /** Flowline's (OpenAI's): -2 to 2, times the count of each token among the generated ones. */
  frequency_penalty?: number;
}

/** Search options Flowline adds to ONNX Runtime GenAI's (accepted by `setSearchOptions`, not in genai_config.json). */
export const EXTRA_SEARCH_OPTIONS: readonly string[] = [
  'chunk_size',
  'presence_penalty',
  'frequency_penalty',
];

/** A model part's session options: ORT settings, execution providers, and free config entries. */
export interface SessionOptions {
  log_id?: string;
  log_severity_level?: number;
  log_verbosity_level?: number;
  enable_profiling?: string;
  intra_op_num_threads?: number;
  inter_op_num_threads?: number;
  enable_cpu_mem_arena?: boolean;
  enable_mem_pattern?: boolean;
  graph_optimization_level?:
    | 'ORT_DISABLE_ALL'
    | 'ORT_ENABLE_BASIC'
    | 'ORT_ENABLE_EXTENDED'
    | 'ORT_ENABLE_ALL';
  custom_ops_library?: string;
  /** One-key objects, e.g. `[{ "cuda": { "enable_cuda_graph": "0" } }]`; empty means CPU. */
  provider_options: Array<Record<string, Record<string, string>>>;
  /** Any other string-valued key: a session config entry (e.g. `session.intra_op.allow_spinning`). */
  config_entries: Record<string, string>;
}

/** The decoder part of `genai_config.json`: its file, sizes and tensor names. */
export interface DecoderConfig {
  filename: string;
  session_options: SessionOptions;
  run_options: Record<string, string>;
  head_size: number;
  hidden_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  num_hidden_layers: number;
  inputs: {
    input_ids: string;
    inputs_embeds: string;
    attention_mask: string;
    position_ids: string;
    past_key_names: string;
    past_value_names: string;
    past_names?: string;
  };
  outputs: {
    logits: string;
    present_key_names: string;
    present_value_names: string;
    present_names?: string;
  };
}

/** A parsed `genai_config.json` with every default filled in. */
export interface GenaiConfig {
  model: {
    type: string;
    context_length: number;
    vocab_size: number;
    bos_token_id: number;
    /** Always a list (a scalar in the file becomes one element; absent means `[pad_token_id]`). */
    eos_token_id: number[];
    pad_token_id: number;
    tokenizer_dir: string;
    decoder: DecoderConfig;
  };
  search: SearchOptions;
  /** The `engine` object's batching settings, present when the file has one. */
  engine?: EngineSettings;
}

/** Decoder-only model types this package runs (ONNX Runtime GenAI's LLM types). */
export const DECODER_ONLY_TYPES = [
  'phi',
  'phi3',
  'phimoe',
  'phi3small',
  'llama',
  'mistral',
  'gemma',
  'gemma2',
  'gemma3_text',
  'qwen2',
  'qwen3',
  'granite',
  'olmo',
  'chatglm',
  'nemotron',
  'smollm3',
  'gpt2',
] as const;

export const SEARCH_DEFAULTS: SearchOptions = {
  max_length: 0,
  min_length: 0,
  do_sample: false,
  top_k: 50,
  top_p: 0,
  temperature: 1,
  repetition_penalty: 1,
  num_beams: 1,
  num_return_sequences: 1,
  early_stopping: true,
  length_penalty: 1,
  no_repeat_ngram_size: 0,
  diversity_penalty: 0,
  past_present_share_buffer: false,
  random_seed: -1,
  batch_size: 1,
};

type Json = Record<string, unknown>;
type Kind = 'number' | 'integer' | 'boolean' | 'string' | 'object' | 'array';

function kindOf(value: unknown): Kind | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as Kind;
}

function check(value: unknown, kind: Kind, path: string): void {
  const actual = kindOf(value);
  const ok = actual === kind || (kind === 'number' && actual === 'integer');
  if (!ok)
    throw new GenaiConfigError(
      `${path} must be ${kind === 'integer' ? 'an integer' : `a ${kind}`}; got ${JSON.stringify(value)}.`,
    );
}

/** Copies known keys with their expected kinds; any other key is an error, as in ONNX Runtime GenAI. */
function pick<T extends object>(source: unknown, path: string, kinds: Record<string, Kind>, defaults: T): T {
  if (source === undefined) return { ...defaults };
  check(source, 'object', path);
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(source as Json)) {
    const kind = kinds[key];
    if (!kind) throw new GenaiConfigError(`Unknown key ${path}.${key} in genai_config.json.`);
    check(value, kind, `${path}.${key}`);
    out[key] = value;
  }
  return out as T;
}

const SEARCH_KINDS: Record<string, Kind> = {
  max_length: 'integer',
  min_length: 'integer',
  do_sample: 'boolean',
  top_k: 'integer',
  top_p: 'number',
  temperature: 'number',
  repetition_penalty: 'number',
  num_beams: 'integer',
  num_return_sequences: 'integer',
  early_stopping: 'boolean',
  length_penalty: 'number',
  no_repeat_ngram_size: 'integer',
  diversity_penalty: 'number',
  past_present_share_buffer: 'boolean',
  random_seed: 'integer',
  batch_size: 'integer',
  chunk_size: 'integer',
};

const SESSION_KINDS: Record<string, Kind> = {
  log_id: 'string',
  log_severity_level: 'integer',
  log_verbosity_level: 'integer',
  enable_profiling: 'string',
  intra_op_num_threads: 'integer',
  inter_op_num_threads: 'integer',
  enable_cpu_mem_arena: 'boolean',
  enable_mem_pattern: 'boolean',
  graph_optimization_level: 'string',
  custom_ops_library: 'string',
  provider_options: 'array',
};

function sessionOptions(source: unknown, path: string): SessionOptions {
  const options: SessionOptions = { provider_options: [], config_entries: {} };
  if (source === undefined) return options;
  check(source, 'object', path);
  const known: Json = {};
  for (const [key, value] of Object.entries(source as Json)) {
    if (key in SESSION_KINDS) known[key] = value;
    else if (typeof value === 'string') options.config_entries[key] = value;
    else
      throw new GenaiConfigError(
        `${path}.${key} is not a known session option, so it must be a string config entry.`,
      );
  }
  const parsed = pick(known, path, SESSION_KINDS, options);
  const levels = ['ORT_DISABLE_ALL', 'ORT_ENABLE_BASIC', 'ORT_ENABLE_EXTENDED', 'ORT_ENABLE_ALL'];
  if (parsed.graph_optimization_level !== undefined && !levels.includes(parsed.graph_optimization_level))
    throw new GenaiConfigError(`${path}.graph_optimization_level must be one of ${levels.join(', ')}.`);
  for (const [i, entry] of parsed.provider_options.entries()) {
    const keys = entry && typeof entry === 'object' && !Array.isArray(entry) ? Object.keys(entry) : [];
    if (keys.length !== 1)
      throw new GenaiConfigError(
        `${path}.provider_options[${i}] must be an object with one provider name as its key.`,
      );
    const settings = entry[keys[0]!];
    check(settings, 'object', `${path}.provider_options[${i}].${keys[0]}`);
    for (const [k, v] of Object.entries(settings as Json))
      check(v, 'string', `${path}.provider_options[${i}].${keys[0]}.${k}`);
  }
  return parsed;
}

/** Validates and completes a `genai_config.json` object, applying ONNX Runtime GenAI's rules and defaults. */
export function parseGenaiConfig(source: unknown): GenaiConfig {
  check(source, 'object', 'genai_config');
  const top = source as Json;
  for (const key of Object.keys(top))
    if (!['model', 'search', 'speculative', 'engine'].includes(key))
      throw new GenaiConfigError(`Unknown key ${key} at the top of genai_config.json.`);
  check(top.model, 'object', 'model');
  const model = top.model as Json;
  const { decoder: rawDecoder, eos_token_id: rawEos, ...modelScalars } = model;
  const scalars = pick(
    modelScalars,
    'model',
    {
      type: 'string',
      context_length: 'integer',
      vocab_size: 'integer',
      bos_token_id: 'integer',
      pad_token_id: 'integer',
      tokenizer_dir: 'string',
    },
    { type: '', context_length: 0, vocab_size: 0, bos_token_id: 0, pad_token_id: 0, tokenizer_dir: '' },
  );
  if (!scalars.type) throw new GenaiConfigError('model.type is required (e.g. "phi3", "llama").');
  if (!(DECODER_ONLY_TYPES as readonly string[]).includes(scalars.type))
    throw new GenaiConfigError(
      `Model type '${scalars.type}' is not supported; this package runs decoder-only models: ${DECODER_ONLY_TYPES.join(', ')}.`,
    );
  if (scalars.context_length <= 0)
    throw new GenaiConfigError('model.context_length is required and must be greater than 0.');
  if (scalars.vocab_size < 1) throw new GenaiConfigError('model.vocab_size must be at least 1.');
  let eos: number[];
  if (rawEos === undefined) eos = [scalars.pad_token_id];
  else if (Array.isArray(rawEos)) {
    for (const [i, id] of rawEos.entries()) check(id, 'integer', `model.eos_token_id[${i}]`);
    eos = rawEos as number[];
  } else {
    check(rawEos, 'integer', 'model.eos_token_id');
    eos = [rawEos as number];
  }
  const badEos = eos.find((id) => id < 0 || id >= scalars.vocab_size);
  if (badEos !== undefined)
    throw new GenaiConfigError(
      `model.eos_token_id ${badEos} is outside the vocabulary (vocab_size ${scalars.vocab_size}).`,
    );

  check(rawDecoder, 'object', 'model.decoder');
  const { session_options, inputs, outputs, run_options, ...decoderScalars } = rawDecoder as Json;
  const decoderBase = pick(
    decoderScalars,
    'model.decoder',
    {
      filename: 'string',
      head_size: 'integer',
      hidden_size: 'integer',
      num_attention_heads: 'integer',
      num_key_value_heads: 'integer',
      num_hidden_layers: 'integer',
    },
    {
      filename: '',
      head_size: 0,
      hidden_size: 0,
      num_attention_heads: 0,
      num_key_value_heads: 0,
      num_hidden_layers: 0,
    },
  );
  if (!decoderBase.filename)
    throw new GenaiConfigError('model.decoder.filename is required: the ONNX file of the decoder.');
  const runOptions: Record<string, string> = {};
  if (run_options !== undefined) {
    check(run_options, 'object', 'model.decoder.run_options');
    for (const [k, v] of Object.entries(run_options as Json)) {
      check(v, 'string', `model.decoder.run_options.${k}`);
      runOptions[k] = v as string;
    }
  }
  const decoder: DecoderConfig = {
    ...decoderBase,
    session_options: sessionOptions(session_options, 'model.decoder.session_options'),
    run_options: runOptions,
    inputs: pick(
      inputs,
      'model.decoder.inputs',
      {
        input_ids: 'string',
        inputs_embeds: 'string',
        attention_mask: 'string',
        position_ids: 'string',
        past_key_names: 'string',
        past_value_names: 'string',
        past_names: 'string',
      },
      {
        input_ids: 'input_ids',
        inputs_embeds: 'inputs_embeds',
        attention_mask: 'attention_mask',
        position_ids: 'position_ids',
        past_key_names: 'past_key_values.%d.key',
        past_value_names: 'past_key_values.%d.value',
      },
    ),
    outputs: pick(
      outputs,
      'model.decoder.outputs',
      {
        logits: 'string',
        present_key_names: 'string',
        present_value_names: 'string',
        present_names: 'string',
      },
      { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
    ),
  };

  const search = pick(top.search, 'search', SEARCH_KINDS, SEARCH_DEFAULTS);
  if (search.max_length === 0) search.max_length = scalars.context_length;
  validateSearch(search, scalars.context_length);
  const parsed: GenaiConfig = { model: { ...scalars, eos_token_id: eos, decoder }, search };
  if (top.engine !== undefined) parsed.engine = parseEngineSettings(top.engine);
  return parsed;
}

/** Checks search options against each other and the context length (also used when callers override them). */
export function validateSearch(search: SearchOptions, contextLength: number): void {
  const fail = (message: string) => {
    throw new GenaiConfigError(message);
  };
  if (search.max_length < 1 || search.max_length > contextLength)
    fail(
      `search.max_length must be from 1 to the context length (${contextLength}); got ${search.max_length}.`,
    );
  if (search.num_beams < 1 || search.num_beams > 32)
    fail(`search.num_beams must be from 1 to 32; got ${search.num_beams}.`);
  if (search.num_return_sequences < 1 || search.num_return_sequences > search.num_beams)
    fail(
      `search.num_return_sequences must be from 1 to num_beams (${search.num_beams}); got ${search.num_return_sequences}.`,
    );
  if (search.batch_size < 1 || search.batch_size > 32)
    fail(`search.batch_size must be from 1 to 32; got ${search.batch_size}.`);
  if (search.top_k < 0) fail(`search.top_k must be 0 or more; got ${search.top_k}.`);
  if (search.top_p < 0 || search.top_p > 1) fail(`search.top_p must be from 0 to 1; got ${search.top_p}.`);
  if (search.temperature <= 0) fail(`search.temperature must be greater than 0; got ${search.temperature}.`);
  if (search.repetition_penalty <= 0)
    fail(`search.repetition_penalty must be greater than 0; got ${search.repetition_penalty}.`);
  if (search.no_repeat_ngram_size < 0)
    fail(`search.no_repeat_ngram_size must be 0 or more; got ${search.no_repeat_ngram_size}.`);
  for (const key of ['presence_penalty', 'frequency_penalty'] as const) {
    const value = search[key];
    if (value !== undefined && !(typeof value === 'number' && value >= -2 && value <= 2))
      fail(`${key} must be a number from -2 to 2; got ${JSON.stringify(value)}.`);
  }
  if (search.min_length < 0 || search.min_length > search.max_length)
    fail(`search.min_length must be from 0 to max_length (${search.max_length}); got ${search.min_length}.`);
}

/** Reads and parses `genai_config.json` from a model folder. */
export async function readGenaiConfig(dir: string): Promise<GenaiConfig> {
  const text = await readFile(join(dir, 'genai_config.json'), 'utf8').catch((cause: unknown) => {
    throw new GenaiConfigError(
      `No genai_config.json in ${dir}: point at a folder exported for ONNX Runtime GenAI (it holds genai_config.json, the .onnx file and the tokenizer).`,
      { cause },
    );
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new GenaiConfigError(`genai_config.json in ${dir} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseGenaiConfig(json);
}
