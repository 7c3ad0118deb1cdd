import { describe, expect, it } from 'vitest';
import { compileGuidance, type GuidanceState, type Vocabulary } from '../src/guidance/index.js';
import { GenaiError, seededRandom } from '../src/index.js';
import { randomSchema, syntheticVocabulary, validate } from './guidance-helpers.js';

const vocab: Vocabulary = syntheticVocabulary();
const EOS = vocab.eos[0]!;
const argmax = (logits: Float32Array) => {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
};

/** Greedy decoding from seeded random logits under guidance, checking each step's mask; returns the text. */
function decode(state: GuidanceState, seed: number, maxTokens = 600): { text: string; ended: boolean } {
  const random = seededRandom(seed);
  // Biased towards ending a structure, so random walks finish: closing marks and short pieces score higher.
  const bias = vocab.tokens.map((t) => (/^["}\]0-9a-z]$/.test(t) ? 0.6 : /[{[]/.test(t) ? -0.4 : 0));
  let text = '';
  for (let step = 0; step < maxTokens; step++) {
    const logits = Float32Array.from(vocab.tokens, (_, i) => random() + bias[i]!);
    state.mask(logits);
    const allowed = [...logits.keys()].filter((i) => logits[i] !== Number.NEGATIVE_INFINITY);
    expect(allowed.length, `dead end after ${JSON.stringify(text)}`).toBeGreaterThan(0);
    expect(allowed.includes(EOS), `eos after ${JSON.stringify(text)}`).toBe(state.isComplete());
    for (const id of allowed) expect(state.allows(id)).toBe(true);
    // Prefer eos once complete half of the time, so outputs end at different points.
    const token = state.isComplete() && random() < 0.5 ? EOS : argmax(logits);
    state.advance(token);
    if (token === EOS) return { text, ended: true };
    text += vocab.tokens[token];
  }
  return { text, ended: false };
}

describe('guidance token masks', () => {
  it('decodes 100 random schemas into JSON that parses and validates', () => {
    let ended = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const schema = randomSchema(seed);
      const guidance = compileGuidance('json_schema', JSON.stringify(schema), vocab);
      const out = decode(guidance.start(), seed);
      if (!out.ended) continue; // a long string may still be open at the token limit; checked below
      ended++;
      let value: unknown;
      expect(() => (value = JSON.parse(out.text)), `${JSON.stringify(schema)} → ${out.text}`).not.toThrow();
      expect(validate(value, schema), `${JSON.stringify(schema)} → ${out.text}`).toBeUndefined();
    }
    expect(ended).toBeGreaterThanOrEqual(90);
  });

  it('decodes recursive $ref schemas and json_object into JSON that parses and validates', () => {
    const tree = {
      $defs: {
        node: {
          type: 'object',
          properties: {
            v: { type: 'integer' },
            kids: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 },
          },
          required: ['v', 'kids'],
          additionalProperties: false,
        },
      },
      $ref: '#/$defs/node',
    };
    for (const schema of [tree, { type: 'object' }]) {
      const guidance = compileGuidance('json_schema', JSON.stringify(schema), vocab);
      let ended = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const out = decode(guidance.start(), seed);
        if (!out.ended) continue;
        ended++;
        const value = JSON.parse(out.text);
        expect(validate(value, schema), out.text).toBeUndefined();
        expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
      }
      expect(ended).toBeGreaterThanOrEqual(15);
    }
  });

  it('allows multi-character pieces that cross JSON boundaries', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, ok: { type: 'boolean' } },
      required: ['name', 'ok'],
      additionalProperties: false,
    };
    const state = compileGuidance('json_schema', JSON.stringify(schema), vocab).start();
    for (const piece of ['{"', 'name', '":"', 'red', '","', 'ok', '":', 'tr', 'ue', '}']) {
      const id = vocab.tokens.indexOf(piece);
      expect(state.allows(id), piece).toBe(true);
      state.advance(id);
    }
    expect(state.isComplete()).toBe(true);
    expect(state.isDone()).toBe(true);
    const logits = new Float32Array(vocab.tokens.length);
    state.mask(logits);
    expect([...logits.keys()].filter((i) => logits[i] === 0)).toEqual([EOS]);
  });

  it('refuses tokens outside the grammar, eos too early, and special tokens', () => {
    const state = compileGuidance('regex', '[0-9]{2}', vocab).start();
    const id = (t: string) => vocab.tokens.indexOf(t);
    expect(() => state.advance(id('a'))).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(() => state.advance(EOS)).toThrow(GenaiError);
    expect(state.allows(vocab.tokens.length - 1)).toBe(false); // '' is never allowed
    state.advance(id('12'));
    expect(state.isDone()).toBe(true);
    state.advance(EOS);
    expect(() => state.advance(id('1'))).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
  });

  it('masks padded logits past the vocabulary and keeps allowed values', () => {
    const state = compileGuidance('regex', 'true|false', vocab).start();
    const logits = new Float32Array(vocab.tokens.length + 8).fill(1);
    state.mask(logits);
    const allowed = [...logits.keys()].filter((i) => logits[i] === 1).map((i) => vocab.tokens[i]);
    expect(allowed.sort()).toEqual(['f', 'false', 't', 'tr', 'true']);
  });

  it('caches compiled guidance per (type, data) and vocabulary', () => {
    const a = compileGuidance('regex', 'a+', vocab);
    expect(compileGuidance('regex', 'a+', vocab)).toBe(a);
    expect(compileGuidance('lark_grammar', 'start: "a"+', vocab)).not.toBe(a);
    expect(compileGuidance('regex', 'a+', syntheticVocabulary())).not.toBe(a);
    expect(() => compileGuidance('yaml' as 'regex', 'x', vocab)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('constrains a lark grammar at token level', () => {
    const g = compileGuidance('lark_grammar', 'start: "(" start ")" | "x"', vocab);
    for (let seed = 1; seed <= 10; seed++) {
      const out = decode(g.start(), seed, 200);
      if (out.ended) expect(out.text).toMatch(/^(\(*)x(\)*)$/);
      if (out.ended) expect(out.text.split('(').length).toBe(out.text.split(')').length);
    }
  });
});
