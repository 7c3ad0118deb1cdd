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

/** Prompt tokens as one list per row, checked: `batch` rows, none empty, every id inside the vocabulary. */
export function splitTokenRows(ids: TokenInput, batch: number, pad: number, vocab: number): number[][] {
  const nested = ids.length > 0 && typeof ids[0] === 'object';
  let rows: number[][];
  if (nested) rows = Array.from(ids as ArrayLike<number | bigint>[], (row) => Array.from(row, Number));
  else {
    const flat = Array.from(ids as ArrayLike<number | bigint>, Number);
    if (flat.length % batch !== 0)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `${flat.length} tokens do not split into batch_size (${batch}) equal rows; pass one list per row.`,
      );
    const width = flat.length / batch;
    rows = Array.from({ length: batch }, (_, r) => {
      const row = flat.slice(r * width, (r + 1) * width);
      if (batch > 1) while (row.length > 1 && row.at(-1) === pad) row.pop();
      return row;
    });
  }
  if (rows.length !== batch)
    throw new GenaiError('INVALID_ARGUMENT', `Got ${rows.length} token rows for batch_size ${batch}.`);
  for (const row of rows) {
    if (row.length === 0)
      throw new GenaiError('INVALID_ARGUMENT', 'appendTokens needs at least one token per row.');
    const bad = row.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad !== undefined)
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `Token id ${bad} is outside the vocabulary (0 to ${vocab - 1}).`,
      );
  }
  return rows;
}
