import { GenaiConfigError } from './errors.js';

/** `genai_config.json`'s `engine` object: how an `Engine` batches requests. */
export interface EngineSettings {
  /** `dynamic_batching` (continuous: rows join and leave between steps) or `static_batching`. */
  mode: 'dynamic' | 'static';
  /** Most requests in the running batch; the rest wait in order. */
  max_batch_size: number;
  /** Most tokens one step feeds the model (decode rows count one each, prefill chunks the rest); 0: no limit. */
  max_scheduled_tokens: number;
  /** Paged-cache block size (ONNX Runtime GenAI's paged attention); kept for reference, the cache here is per row. */
  block_size: number;
  /**
   * Flowline's own setting (not ONNX Runtime GenAI's; constructor only): how many finished requests'
   * caches to keep so a new request sharing their prefix (the next chat turn) skips prefilling it. 0: none.
   */
  max_cached_prefixes: number;
}

/** Defaults when the config has no `engine` object. */
export const ENGINE_DEFAULTS: EngineSettings = {
  mode: 'dynamic',
  max_batch_size: 16,
  max_scheduled_tokens: 0,
  block_size: 256,
  max_cached_prefixes: 0,
};

const KEYS = ['max_batch_size', 'max_scheduled_tokens', 'block_size'] as const;

/** Validates `engine: { dynamic_batching | static_batching: { max_batch_size, max_scheduled_tokens, block_size } }`. */
export function parseEngineSettings(source: unknown): EngineSettings {
  if (source === undefined) return { ...ENGINE_DEFAULTS };
  if (!source || typeof source !== 'object' || Array.isArray(source))
    throw new GenaiConfigError('engine must be an object.');
  const entries = Object.entries(source as Record<string, unknown>);
  const known = entries.filter(([key]) => key === 'dynamic_batching' || key === 'static_batching');
  if (known.length !== entries.length || known.length > 1)
    throw new GenaiConfigError('engine takes one of dynamic_batching or static_batching, nothing else.');
  const settings = { ...ENGINE_DEFAULTS };
  if (known.length === 0) return settings;
  const [key, body] = known[0]!;
  settings.mode = key === 'static_batching' ? 'static' : 'dynamic';
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new GenaiConfigError(`engine.${key} must be an object.`);
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (!(KEYS as readonly string[]).includes(name))
      throw new GenaiConfigError(`Unknown key ${name} in engine.${key}; known: ${KEYS.join(', ')}.`);
    const min = name === 'max_scheduled_tokens' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      throw new GenaiConfigError(`engine.${key}.${name} must be an integer of at least ${min}.`);
    settings[name as (typeof KEYS)[number]] = value;
  }
  return settings;
}
