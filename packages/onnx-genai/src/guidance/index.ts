import { GenaiError } from '../errors.js';
import { GrammarEngine, type MatchState } from './grammar.js';
import { jsonSchemaGrammar } from './json-schema.js';
import { larkGrammar } from './lark.js';
import type { Grammar } from './node.js';
import { parseRegex } from './regex.js';
import { buildTrie, hasBit, type TrieNode, tokenMask } from './token-trie.js';
import type { Vocabulary } from './vocabulary.js';

export type { Vocabulary } from './vocabulary.js';
export { vocabularyOf } from './vocabulary.js';

/** Guidance kinds, as ONNX Runtime GenAI's `GeneratorParams.set_guidance(type, data)` names them. */
export type GuidanceType = 'json_schema' | 'regex' | 'lark_grammar';

/** Compiled grammars kept per vocabulary (least recently used dropped first). */
const MAX_COMPILED = 32;
/** Token masks kept per compiled grammar (4 KiB each for a 32k vocabulary) before its caches are reset. */
const MAX_MASKS = 4096;

/** A grammar compiled against one vocabulary; `start()` begins one constrained sequence. */
export interface Guidance {
  readonly type: GuidanceType;
  /** A fresh state for one generated sequence (states share the compiled masks). */
  start(): GuidanceState;
}

/** One sequence's place in the grammar. */
export interface GuidanceState {
  /** Sets logits of disallowed tokens to -Infinity (eos allowed only when the output is complete). */
  mask(logits: Float32Array): void;
  /** Whether `token` may come next. */
  allows(token: number): boolean;
  /** Advances by the chosen token; throws GenaiError('INVALID_STATE') if it was not allowed. */
  advance(token: number): void;
  /** True when the text so far is a complete match (eos is then allowed). */
  isComplete(): boolean;
  /** True after eos, or when the match is complete and no token may follow. */
  isDone(): boolean;
}

interface Compiled {
  engine: GrammarEngine;
  trie: TrieNode;
  vocabulary: Vocabulary;
  eos: ReadonlySet<number>;
  masks: number;
}

const tries = new WeakMap<Vocabulary, TrieNode>();
const compiled = new WeakMap<Vocabulary, Map<string, Guidance>>();

function grammarOf(type: GuidanceType, data: string): Grammar {
  switch (type) {
    case 'json_schema':
      return jsonSchemaGrammar(data);
    case 'regex':
      return { rules: [parseRegex(data)], start: 0 };
    case 'lark_grammar':
      return larkGrammar(data);
    default:
      throw new GenaiError(
        'INVALID_ARGUMENT',
        `Unknown guidance type ${JSON.stringify(type)}; use json_schema, regex or lark_grammar.`,
      );
  }
}

/** Allowed ids of `state` (eos included when complete), computed once per interned state. */
function maskOf(c: Compiled, state: MatchState): Uint32Array {
  if (!state.mask) {
    if (++c.masks > MAX_MASKS) {
      c.engine.reset();
      c.masks = 1;
    }
    const bits = tokenMask(c.engine, state, c.trie, c.vocabulary.tokens.length);
    if (state.complete) for (const id of c.eos) bits[id >>> 5]! |= 1 << (id & 31);
    state.mask = bits;
  }
  return state.mask;
}

class State implements GuidanceState {
  #at: MatchState;
  #finished = false;
  constructor(readonly c: Compiled) {
    this.#at = c.engine.initial;
  }

  mask(logits: Float32Array): void {
    const bits = this.#finished ? this.#eosOnly() : maskOf(this.c, this.#at);
    const n = Math.min(logits.length, bits.length * 32);
    for (let w = 0; w * 32 < n; w++) {
      const word = bits[w]!;
      if (word === 0xffffffff || word === -1) continue;
      const end = Math.min(n, w * 32 + 32);
      if (word === 0) logits.fill(Number.NEGATIVE_INFINITY, w * 32, end);
      else
        for (let i = w * 32; i < end; i++)
          if (((word >>> (i & 31)) & 1) === 0) logits[i] = Number.NEGATIVE_INFINITY;
    }
    // Ids past the vocabulary (padded logits) are never allowed.
    if (logits.length > this.c.vocabulary.tokens.length)
      logits.fill(Number.NEGATIVE_INFINITY, this.c.vocabulary.tokens.length);
  }

  allows(token: number): boolean {
    if (this.#finished) return this.c.eos.has(token);
    return token >= 0 && token < this.c.vocabulary.tokens.length && hasBit(maskOf(this.c, this.#at), token);
  }

  advance(token: number): void {
    if (this.#finished) {
      if (this.c.eos.has(token)) return;
      throw new GenaiError(
        'INVALID_STATE',
        `Guidance: token ${token} after the end of the constrained output.`,
      );
    }
    if (this.c.eos.has(token)) {
      if (!this.#at.complete)
        throw new GenaiError('INVALID_STATE', 'Guidance: eos before the output is complete.');
      this.#finished = true;
      return;
    }
    const text = this.c.vocabulary.tokens[token];
    const next = text ? this.c.engine.walk(this.#at, text) : null;
    if (!next)
      throw new GenaiError(
        'INVALID_STATE',
        `Guidance: token ${token} (${JSON.stringify(text ?? '')}) does not continue the constrained output; apply mask() before choosing.`,
      );
    this.#at = next;
  }

  isComplete(): boolean {
    return this.#finished || this.#at.complete;
  }

  isDone(): boolean {
    if (this.#finished) return true;
    if (!this.#at.complete) return false;
    const bits = maskOf(this.c, this.#at);
    for (let w = 0; w < bits.length; w++) {
      let word = bits[w]!;
      for (const id of this.c.eos) if (id >>> 5 === w) word &= ~(1 << (id & 31));
      if (word !== 0) return false;
    }
    return true;
  }

  #eosOnly(): Uint32Array {
    const bits = new Uint32Array(Math.ceil(this.c.vocabulary.tokens.length / 32));
    for (const id of this.c.eos) bits[id >>> 5]! |= 1 << (id & 31);
    return bits;
  }
}

/**
 * Compiles guidance for `vocabulary`, as ONNX Runtime GenAI's `set_guidance(type, data)`: `json_schema`
 * (a JSON Schema; `{"type":"object"}` for OpenAI's `json_object`), `regex` (whole-output match) or
 * `lark_grammar`. Compiled grammars and their token masks are cached per (type, data) in a bounded LRU.
 * Invalid data is a GenaiError('INVALID_ARGUMENT').
 */
export function compileGuidance(type: GuidanceType, data: string, vocabulary: Vocabulary): Guidance {
  let cache = compiled.get(vocabulary);
  if (!cache) {
    cache = new Map();
    compiled.set(vocabulary, cache);
  }
  const key = `${type}\u0000${data}`;
  const known = cache.get(key);
  if (known) {
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  let trie = tries.get(vocabulary);
  if (!trie) {
    const eos = new Set(vocabulary.eos);
    trie = buildTrie(vocabulary.tokens.map((t, id) => (eos.has(id) ? '' : t)));
    tries.set(vocabulary, trie);
  }
  const c: Compiled = {
    engine: new GrammarEngine(grammarOf(type, data)),
    trie,
    vocabulary,
    eos: new Set(vocabulary.eos),
    masks: 0,
  };
  const guidance: Guidance = { type, start: () => new State(c) };
  cache.set(key, guidance);
  if (cache.size > MAX_COMPILED) cache.delete(cache.keys().next().value!);
  return guidance;
}

/**
 * Checks guidance data without a vocabulary (what `compileGuidance` would refuse), so a server can
 * answer a bad schema or grammar before any generation: a GenaiError('INVALID_ARGUMENT') if invalid.
 */
export function checkGuidance(type: GuidanceType, data: string): void {
  const key = `${type}\u0000${data}`;
  if (checked.has(key)) return;
  new GrammarEngine(grammarOf(type, data));
  checked.add(key);
  if (checked.size > MAX_COMPILED) checked.delete(checked.values().next().value!);
}
const checked = new Set<string>();

/**
 * The guidance for an OpenAI `response_format`: `json_schema` → its schema, `json_object` → any JSON
 * object, `text` or none → undefined. A malformed format is a GenaiError('INVALID_ARGUMENT').
 */
export function responseFormatGuidance(format: unknown): { type: GuidanceType; data: string } | undefined {
  if (format === undefined || format === null) return undefined;
  const f = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_schema', data: '{"type":"object"}' };
  if (f.type === 'json_schema' && f.json_schema && typeof f.json_schema === 'object')
    return { type: 'json_schema', data: JSON.stringify(f.json_schema.schema ?? {}) };
  throw new GenaiError(
    'INVALID_ARGUMENT',
    'response_format must be {type: "text"}, {type: "json_object"} or {type: "json_schema", json_schema: {schema}}.',
  );
}
