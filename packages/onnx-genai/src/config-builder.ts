import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GenaiConfig, parseGenaiConfig } from './config.js';
import { GenaiConfigError } from './errors.js';
import { providerName } from './session-options.js';

type Json = Record<string, unknown>;
type ProviderEntry = Record<string, Record<string, string>>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `parent[key]` as an object, made empty first when it is not one. */
function child(parent: Json, key: string): Json {
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as Json;
}

/** `overlay` over `base`: objects merge key by key, anything else (arrays included) replaces. */
function merge(base: unknown, overlay: unknown): unknown {
  if (!isObject(base) || !isObject(overlay)) return structuredClone(overlay);
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(overlay)) out[key] = merge(base[key], value);
  return out;
}

/**
 * A model folder's `genai_config.json`, editable before the model is loaded, as ONNX Runtime GenAI's
 * `og.Config`: `clearProviders`, `appendProvider`, `setProviderOption`, `overlay`; then
 * `Model.load(config)`. Every change is validated at once (the same strict parser as loading).
 */
export class Config {
  /** The model folder (the decoder file and tokenizer are found there). */
  readonly dir: string;
  #json: Json;
  #parsed: GenaiConfig;

  /** Reads `dir/genai_config.json` (synchronously, as `og.Config(path)`); it must parse. */
  constructor(dir: string) {
    this.dir = dir;
    let text: string;
    try {
      text = readFileSync(join(dir, 'genai_config.json'), 'utf8');
    } catch (cause) {
      throw new GenaiConfigError(
        `No genai_config.json in ${dir}: point at a folder exported for ONNX Runtime GenAI.`,
        { cause },
      );
    }
    this.#json = Config.#parseText(text, `genai_config.json in ${dir}`);
    this.#parsed = parseGenaiConfig(this.#json);
  }

  /** The parsed config, every default filled in (what `Model.load(config)` uses). */
  get config(): GenaiConfig {
    return structuredClone(this.#parsed);
  }

  /** Removes every execution provider of the decoder (CPU then), as `config.clear_providers()`. */
  clearProviders(): void {
    this.#edit((providers) => providers.splice(0));
  }

  /** Adds an execution provider (`cuda`, `CUDAExecutionProvider`, …) after the others, as `append_provider`; an unknown name is refused. */
  appendProvider(name: string): void {
    providerName(name);
    this.#edit((providers) => {
      if (!providers.some((entry) => Config.#sameProvider(entry, name))) providers.push({ [name]: {} });
    });
  }

  /**
   * Sets one option of a provider (all values are strings, as in genai_config.json), appending the
   * provider when it is not there yet, as ONNX Runtime GenAI's `set_provider_option(provider, key, value)`.
   */
  setProviderOption(provider: string, key: string, value: string): void {
    providerName(provider);
    if (typeof value !== 'string')
      throw new GenaiConfigError(`Provider option ${key} must be a string; got ${JSON.stringify(value)}.`);
    this.#edit((providers) => {
      let entry = providers.find((e) => Config.#sameProvider(e, provider));
      if (!entry) {
        entry = { [provider]: {} };
        providers.push(entry);
      }
      const name = Object.keys(entry)[0]!;
      entry[name] = { ...entry[name], [key]: value };
    });
  }

  /**
   * Merges a JSON document (a string, as ONNX Runtime GenAI's `overlay(json)`, or an object) over the
   * config: objects merge key by key, other values replace. The result must still parse; if it does not,
   * the config is left as it was.
   */
  overlay(json: string | object): void {
    const patch = typeof json === 'string' ? Config.#parseText(json, 'The overlay') : json;
    if (!isObject(patch)) throw new GenaiConfigError('An overlay must be a JSON object.');
    this.#commit(merge(this.#json, patch) as Json);
  }

  #edit(change: (providers: ProviderEntry[]) => void): void {
    const next = structuredClone(this.#json);
    const session = child(child(child(next, 'model'), 'decoder'), 'session_options');
    if (!Array.isArray(session.provider_options)) session.provider_options = [];
    change(session.provider_options as ProviderEntry[]);
    this.#commit(next);
  }

  #commit(next: Json): void {
    const parsed = parseGenaiConfig(next);
    this.#json = next;
    this.#parsed = parsed;
  }

  static #sameProvider(entry: ProviderEntry, name: string): boolean {
    const key = Object.keys(entry)[0];
    return key !== undefined && providerName(key) === providerName(name);
  }

  static #parseText(text: string, what: string): Json {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new GenaiConfigError(`${what} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    if (!isObject(value)) throw new GenaiConfigError(`${what} must be a JSON object.`);
    return value;
  }
}
