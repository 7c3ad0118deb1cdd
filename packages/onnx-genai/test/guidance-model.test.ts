import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import { compileGuidance, Engine, GeneratorParams, Request, vocabularyOf } from '../src/index.js';
import { useDecoder } from './helpers.js';

// Constrained decoding end to end: a real ONNX decoder whose vocabulary has JSON's punctuation and
// digits, sampled with a seed through Engine and Request under a JSON-schema guidance, for random
// schemas; every answer must parse and validate.

type Schema = Record<string, unknown>;

/** mulberry32: a small seeded generator, so the schemas are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['animal', 'count', 'tags', 'ok', 'id', 'kind', 'size', 'items', 'owner', 'x'];
const WORDS = ['cat', 'dog', 'the mat', 'a-b', 'x_y', 'hello'];

const pick = <T>(next: () => number, xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;

/** A random schema: enums, integers, booleans, short strings, and (while `depth` lasts) arrays and objects. */
function randomSchema(next: () => number, depth: number): Schema {
  const leaves = ['enum', 'integer', 'boolean', 'string'];
  const kind = pick(next, depth > 0 ? [...leaves, 'object', 'array', 'array'] : leaves);
  if (kind === 'enum')
    return { type: 'string', enum: WORDS.filter(() => next() < 0.5).concat(pick(next, WORDS)) };
  if (kind === 'integer')
    return next() < 0.5 ? { type: 'integer' } : { type: 'integer', minimum: -5, maximum: 50 };
  if (kind === 'boolean') return { type: 'boolean' };
  if (kind === 'string') return { type: 'string', maxLength: 1 + Math.floor(next() * 4) };
  if (kind === 'array')
    return { type: 'array', items: randomSchema(next, depth - 1), maxItems: 1 + Math.floor(next() * 3) };
  return objectSchema(next, depth - 1);
}

/** An object of one to three required properties, nothing else allowed. */
function objectSchema(next: () => number, depth: number): Schema {
  const names = [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, NAMES)))];
  const properties = Object.fromEntries(names.map((name) => [name, randomSchema(next, depth)]));
  return { type: 'object', properties, required: names, additionalProperties: false };
}

/** Why `value` does not satisfy `schema` (for the keywords `randomSchema` uses), or null when it does. */
function violation(schema: Schema, value: unknown, at = '$'): string | null {
  switch (schema.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${at}: not a boolean`;
    case 'integer': {
      if (!Number.isInteger(value)) return `${at}: not an integer`;
      const n = value as number;
      if (typeof schema.minimum === 'number' && n < schema.minimum) return `${at}: below minimum`;
      if (typeof schema.maximum === 'number' && n > schema.maximum) return `${at}: above maximum`;
      return null;
    }
    case 'string':
      if (typeof value !== 'string') return `${at}: not a string`;
      if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return `${at}: not in the enum`;
      if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength)
        return `${at}: too long`;
      return null;
    case 'array': {
      if (!Array.isArray(value)) return `${at}: not an array`;
      if (value.length > (schema.maxItems as number)) return `${at}: too many items`;
      for (const [i, item] of value.entries()) {
        const bad = violation(schema.items as Schema, item, `${at}[${i}]`);
        if (bad) return bad;
      }
      return null;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${at}: not an object`;
      const properties = schema.properties as Record<string, Schema>;
      const keys = Object.keys(value).sort();
      if (keys.join() !== Object.keys(properties).sort().join()) return `${at}: keys ${keys.join()}`;
      for (const [name, sub] of Object.entries(properties)) {
        const bad = violation(sub, (value as Record<string, unknown>)[name], `${at}.${name}`);
        if (bad) return bad;
      }
      return null;
    }
    default:
      return `${at}: unknown schema type ${String(schema.type)}`;
  }
}

describe('JSON-schema guidance on a real decoder with JSON symbols', () => {
  const decoder = createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 256, symbols: true });
  const lm = useDecoder(decoder);

  it('the symbols decoder: decoding ids gives the concatenation of their vocabulary texts', () => {
    const vocabulary = vocabularyOf(lm.tokenizer, decoder.shape.vocabSize, decoder.eosTokenIds);
    const ids = ['##{', '##"', '##o', '##k', '##"', '##:', 't', '##r', '##u', '##e', '##,', '"', '##}'];
    const tokens = ids.map((t) => decoder.vocab[t]!);
    expect(lm.tokenizer.decode(tokens)).toBe('{"ok": true, "}');
    expect(tokens.map((id) => vocabulary.tokens[id]).join('')).toBe('{"ok": true, "}');
  });

  it('the symbols decoder: ONNX Runtime and the JS reference agree on its greedy continuation', async () => {
    const prompt = lm.promptIds('hello the cat');
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: prompt.length + 12 });
    const request = new Request(params);
    request.addTokens(prompt);
    const engine = new Engine(lm.model);
    engine.addRequest(request);
    const tokens: number[] = [];
    while (engine.hasPendingRequests()) {
      await engine.step();
      tokens.push(...request.getNewTokens());
    }
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens).toEqual(lm.greedyTail(prompt, 12));
  });

  it('every sampled answer parses and validates, for 20 random schemas', async () => {
    const vocabulary = vocabularyOf(lm.tokenizer, decoder.shape.vocabSize, decoder.eosTokenIds);
    const engine = new Engine(lm.model, { max_batch_size: 4 });
    const next = random(7);
    const prompt = lm.promptIds('hello the cat');
    const jobs = Array.from({ length: 20 }, (_, i) => {
      const schema = objectSchema(next, 2);
      const params = new GeneratorParams(lm.model);
      params.setSearchOptions({
        max_length: prompt.length + 200,
        do_sample: true,
        top_k: 0,
        random_seed: 100 + i,
      });
      const guidance = compileGuidance('json_schema', JSON.stringify(schema), vocabulary);
      const request = new Request(params, { guidance });
      request.addTokens(prompt);
      engine.addRequest(request);
      return { schema, request, tokens: [] as number[] };
    });
    for (let step = 0; step < 1000 && engine.hasPendingRequests(); step++) {
      await engine.step();
      for (const job of jobs) job.tokens.push(...job.request.getNewTokens());
    }
    const answers = jobs.map((job) => {
      const text = lm.tokenizer.decode(job.tokens);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { text, error: 'does not parse' };
      }
      return { text, error: violation(job.schema, value) };
    });
    expect(answers.filter((a) => a.error !== null)).toEqual([]);
    expect(jobs.every((job) => job.request.isDone())).toBe(true);
    // The sampling varies: not all answers to the same schema kind are one text.
    expect(new Set(answers.map((a) => a.text)).size).toBeGreaterThan(10);
  });
});
