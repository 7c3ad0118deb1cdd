import { EXTRA_SEARCH_OPTIONS, type SearchOptions, validateSearch } from './config.js';
import { GenaiError } from './errors.js';
import type { Model } from './model.js';

/** Prompt tokens: one flat list (split into `batch_size` equal rows, trailing pad ids ignored) or one list per row. */
export type TokenInput = ArrayLike<number | bigint> | ArrayLike<number | bigint>[];

/** Search options for one generation, starting from the model's `search` defaults. */
export class GeneratorParams {
  readonly search: SearchOptions;
  /** The model these options are for (a `Request` built from them runs on it). */
  readonly model: Model;
  readonly #contextLength: number;
  #inputIds: TokenInput | undefined;

  constructor(model: Model) {
    this.model = model;
    this.search = { ...model.config.search };
    this.#contextLength = model.config.model.context_length;
  }

  /**
   * The prompt, as ONNX Runtime GenAI 0.3 to 0.5's `params.input_ids`: one row, or a flat batch of
   * `batch_size` equal rows padded with `pad_token_id` (or one list per row). A `Generator` made from
   * these params appends it; `model.generate(params)` runs it to the end.
   */
  get inputIds(): TokenInput | undefined {
    return this.#inputIds;
  }

  set inputIds(ids: TokenInput | undefined) {
    if (ids !== undefined && (ids === null || typeof ids.length !== 'number'))
      throw new GenaiError(
        'INVALID_ARGUMENT',
        'inputIds must be a list of token ids (tokenizer.encode(text)).',
      );
    this.#inputIds = ids;
  }

  /**
   * Overrides search options by name, as `set_search_options`; unknown names and out-of-range values
   * throw. Besides ONNX Runtime GenAI's, Flowline takes `chunk_size`, `presence_penalty` and
   * `frequency_penalty`.
   */
  setSearchOptions(options: Partial<SearchOptions>): void {
    const next = { ...this.search };
    for (const [key, value] of Object.entries(options)) {
      if (!(key in next) && !EXTRA_SEARCH_OPTIONS.includes(key))
        throw new GenaiError('INVALID_ARGUMENT', `Unknown search option '${key}'.`);
      (next as Record<string, unknown>)[key] = value;
    }
    validateSearch(next, this.#contextLength);
    Object.assign(this.search, next);
  }
}
