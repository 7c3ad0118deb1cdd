import type { Tokenizer } from '../tokenizer.js';

/** Token texts by id, as guidance sees them. */
export interface Vocabulary {
  /** Each id's text as it appears in decoded output ('' for ids that must never be generated under guidance). */
  readonly tokens: readonly string[];
  /** End-of-sequence ids: allowed only once the output is a whole match. */
  readonly eos: readonly number[];
}

const cache = new WeakMap<Tokenizer, Map<string, Vocabulary>>();

/**
 * The vocabulary of `tokenizer` for ids below `vocabSize`. Each id's text is what it adds after another
 * token (decode([ref, id]) less decode([ref])), so byte-level BPE `Ġ`, SentencePiece `▁` and WordPiece
 * spacing come out as the real leading space. Special tokens, ids the tokenizer lacks and byte pieces
 * of an incomplete UTF-8 character get '' (never generated under guidance). Cached per tokenizer.
 */
export function vocabularyOf(tokenizer: Tokenizer, vocabSize: number, eos: readonly number[]): Vocabulary {
  const key = `${vocabSize}:${eos.join(',')}`;
  let perTokenizer = cache.get(tokenizer);
  const known = perTokenizer?.get(key);
  if (known) return known;
  const [ref = 0] = tokenizer.encode('a', { addSpecialTokens: false });
  const prefix = tokenizer.decode([ref]);
  const decode = (ids: number[]) => {
    try {
      return tokenizer.decode(ids);
    } catch {
      return undefined;
    }
  };
  const tokens: string[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const alone = decode([id]);
    let text = '';
    if (alone !== undefined && alone !== '') {
      const joined = decode([ref, id]) ?? '';
      text = joined.startsWith(prefix) && joined.length > prefix.length ? joined.slice(prefix.length) : alone;
      if (text.includes('\uFFFD') && !alone.includes('\uFFFD')) text = alone;
      else if (text.includes('\uFFFD')) text = '';
    }
    tokens.push(text);
  }
  const vocabulary: Vocabulary = { tokens, eos: [...eos] };
  if (!perTokenizer) {
    perTokenizer = new Map();
    cache.set(tokenizer, perTokenizer);
  }
  perTokenizer.set(key, vocabulary);
  return vocabulary;
}
