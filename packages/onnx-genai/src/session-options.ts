import type * as ort from 'onnxruntime-node';
import type { SessionOptions } from './config.js';
import { GenaiError } from './errors.js';

/** onnxruntime-node's names for the execution providers a genai_config may ask for. */
export const PROVIDERS: Record<string, string> = {
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

/** Providers whose only option onnxruntime-node 1.30's binding reads is a device id. */
const DEVICE_PROVIDERS = new Set(['cuda', 'dml', 'tensorrt']);

/**
 * onnxruntime-node's name for a provider as ONNX Runtime GenAI spells it: case-insensitive, an
 * `ExecutionProvider` suffix accepted. An unknown name is refused.
 */
export function providerName(name: string): string {
  const mapped = PROVIDERS[name.toLowerCase().replace(/executionprovider$/, '')];
  if (!mapped)
    throw new GenaiError(
      'INVALID_ARGUMENT',
      `Unknown execution provider '${name}'; use one of ${Object.keys(PROVIDERS).join(', ')}.`,
    );
  return mapped;
}

/** Overrides of `Model.load` (they win over the config's session options). */
export interface SessionOverrides {
  providers?: string[];
  intraOpNumThreads?: number;
}

/**
 * onnxruntime-node session options from a model part's `session_options`: every key ONNX Runtime GenAI
 * knows is passed on, or refused when onnxruntime-node 1.30 cannot take it (rather than dropped).
 * - providers and their options (`device_id` for cuda, dml and tensorrt; any other option is refused,
 *   since the binding reads no other);
 * - `intra_op_num_threads`, `inter_op_num_threads`, `graph_optimization_level`, `enable_cpu_mem_arena`,
 *   `enable_mem_pattern`, `log_id`, `log_severity_level`, `enable_profiling` (a file prefix);
 * - free string keys become session config entries (`extra`, e.g. `session.intra_op.allow_spinning`);
 * - `custom_ops_library` is refused (onnxruntime-node cannot register a custom op library);
 *   `log_verbosity_level` is accepted but has no effect (the binding reads none; it matters only in
 *   debug builds of onnxruntime).
 */
export function ortSessionOptions(
  options: SessionOptions,
  overrides: SessionOverrides = {},
): ort.InferenceSession.SessionOptions & {
  executionProviders: ort.InferenceSession.ExecutionProviderConfig[];
} {
  if (options.custom_ops_library)
    throw new GenaiError(
      'INVALID_CONFIG',
      `session_options.custom_ops_library ('${options.custom_ops_library}') cannot be loaded: onnxruntime-node has no API to register a custom op library. Remove it, or use a model without custom ops.`,
    );
  const entries: [string, Record<string, string>][] = overrides.providers
    ? overrides.providers.map((name) => [name, {}])
    : options.provider_options.map((entry) => Object.entries(entry)[0]!);
  const executionProviders = entries.map(([name, settings]) => providerConfig(name, settings));
  const threads = overrides.intraOpNumThreads ?? options.intra_op_num_threads;
  const out: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders.length > 0 ? executionProviders : ['cpu'],
    executionMode: 'sequential',
  };
  if (threads !== undefined) out.intraOpNumThreads = threads;
  if (options.inter_op_num_threads !== undefined) out.interOpNumThreads = options.inter_op_num_threads;
  if (options.graph_optimization_level)
    out.graphOptimizationLevel = GRAPH_LEVELS[options.graph_optimization_level];
  if (options.enable_cpu_mem_arena !== undefined) out.enableCpuMemArena = options.enable_cpu_mem_arena;
  if (options.enable_mem_pattern !== undefined) out.enableMemPattern = options.enable_mem_pattern;
  if (options.log_id !== undefined) out.logId = options.log_id;
  if (options.log_severity_level !== undefined) {
    const level = options.log_severity_level;
    if (level < 0 || level > 4)
      throw new GenaiError(
        'INVALID_CONFIG',
        `session_options.log_severity_level must be from 0 to 4; got ${level}.`,
      );
    out.logSeverityLevel = level as 0 | 1 | 2 | 3 | 4;
  }
  if (options.enable_profiling) {
    out.enableProfiling = true;
    out.profileFilePrefix = options.enable_profiling;
  }
  const extra = nestedEntries(options.config_entries);
  if (extra) out.extra = extra;
  return out as ReturnType<typeof ortSessionOptions>;
}

function providerConfig(
  name: string,
  settings: Record<string, string>,
): ort.InferenceSession.ExecutionProviderConfig {
  const mapped = providerName(name);
  const keys = Object.keys(settings);
  if (keys.length === 0) return mapped;
  const unsupported = keys.filter((key) => !(DEVICE_PROVIDERS.has(mapped) && key === 'device_id'));
  if (unsupported.length > 0)
    throw new GenaiError(
      'INVALID_CONFIG',
      `Provider option${unsupported.length > 1 ? 's' : ''} ${unsupported.map((k) => `'${k}'`).join(', ')} of '${name}' cannot be passed: onnxruntime-node 1.30 reads only device_id (for cuda, dml and tensorrt). Remove ${unsupported.length > 1 ? 'them' : 'it'} from provider_options.`,
    );
  const deviceId = Number(settings.device_id);
  if (!Number.isInteger(deviceId) || deviceId < 0)
    throw new GenaiError(
      'INVALID_CONFIG',
      `Provider option device_id must be a device number; got '${settings.device_id}'.`,
    );
  return { name: mapped, deviceId } as ort.InferenceSession.ExecutionProviderConfig;
}

/** `{ "a.b.c": "1" }` → `{ a: { b: { c: "1" } } }`: onnxruntime-node flattens `extra` back to dotted keys. */
function nestedEntries(entries: Record<string, string>): Record<string, unknown> | undefined {
  const keys = Object.keys(entries);
  if (keys.length === 0) return undefined;
  const root: Record<string, unknown> = {};
  for (const key of keys) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const child = node[part];
      if (typeof child === 'string')
        throw new GenaiError(
          'INVALID_CONFIG',
          `Session config entries '${key}' and '${parts.slice(0, -1).join('.')}' collide.`,
        );
      if (child === undefined) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1)!] = entries[key]!;
  }
  return root;
}
