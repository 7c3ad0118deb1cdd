#!/usr/bin/env node
// Guidance benchmark: the per-token cost of JSON-schema constrained decoding against plain greedy decoding,
// on the same generated Phi-3-layout decoder as run.mjs (~54M parameters, 8 layers, hidden 512, MLP 1536,
// RMSNorm, vocabulary ~32k), nothing downloaded. Variants, each through @flowline/onnx-genai's Generator:
//   plain    greedy generateNextToken, exactly as many tokens as the guided run produced;
//   get/set  getLogits → setLogits → generateNextToken with no mask (the Generator's cost of the round trip);
//   guided   getLogits → GuidanceState.mask → setLogits → generateNextToken → advance, until the guidance
//            is done (or --tokens).
// The testkit tokenizer knows words and letters but no punctuation, so the vocabulary is its own
// (vocabularyOf: ' hello', letters, …) with 160 generated-word ids given printable ASCII and JSON pieces
// ('{"', '":', '","', …): the mask still covers ~32k ids, as with a real model.
// "cold" is the first guided run after compiling (every token mask computed on first use, the cost of
// a schema's first request); the runs after it reuse the masks cached per recognizer state, as every
// later request with that schema does. Reported: tokens/s (median of --runs), guided/plain per-token
// cost (target ≤ 1.3), time in mask() per token, and whether the output parses.
// Usage: node bench/onnx-genai/guidance.mjs [--tokens 300] [--runs 5]
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as genai from '@flowline/onnx-genai';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { SIZES } from '../lib/decoder-sizes.mjs';

const { values } = parseArgs({
  options: { tokens: { type: 'string', default: '300' }, runs: { type: 'string', default: '5' } },
});
const MAX_TOKENS = Number(values.tokens);
const RUNS = Number(values.runs);
const TARGET = 1.3;
// Until src/index.ts exports guidance, take it from the built module.
const guidance = genai.compileGuidance
  ? genai
  : await import(new URL('../../packages/onnx-genai/dist/guidance/index.js', import.meta.url).href);
const { Generator, GeneratorParams, Model, Tokenizer } = genai;

const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 24 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    email: { type: 'string', pattern: '^[a-z]{1,12}@[a-z]{1,12}\\.com$' },
    tags: { type: 'array', items: { type: 'string', maxLength: 12 }, maxItems: 4 },
    address: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 16 }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
      required: ['city', 'zip'],
      additionalProperties: false,
    },
    status: { enum: ['active', 'inactive', 'banned'] },
    score: { anyOf: [{ type: 'number' }, { type: 'null' }] },
  },
  required: ['name', 'age', 'email', 'tags', 'address', 'status', 'score'],
  additionalProperties: false,
};
const PIECES = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  ...[
    '{"',
    '":',
    '": ',
    '","',
    '", "',
    '"}',
    '"},',
    '}}',
    ']}',
    '["',
    '"]',
    '[]',
    ' "',
    '",',
    ', "',
    'true',
    'false',
  ],
  ...['null', '12', '0.', '.5', 'name', 'age', 'email', 'tags', 'address', 'city', 'zip', 'status', 'score'],
  ...[
    'active',
    'inactive',
    'banned',
    '@',
    '.com',
    'example',
    'ing',
    'er',
    'on',
    'an',
    'at',
    '00',
    '19',
    '20',
  ],
];

const dir = await mkdtemp(join(tmpdir(), 'flowline-bench-guidance-'));
try {
  let t0 = performance.now();
  const decoder = createTinyDecoder({ layout: 'phi3', maxPositions: 512, ...SIZES });
  const folder = await writeModelFiles(join(dir, 'phi3'), decoder.files);
  const model = await Model.load(folder);
  const tokenizer = await Tokenizer.fromFolder(folder);
  console.log(
    `${(decoder.parameterCount / 1e6).toFixed(1)}M parameters, vocab ${decoder.shape.vocabSize}, ` +
      `generated and loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  t0 = performance.now();
  const real = guidance.vocabularyOf(tokenizer, decoder.shape.tokenizerSize, decoder.eosTokenIds);
  const tokens = [...real.tokens];
  PIECES.forEach((piece, k) => {
    tokens[200 + k] = piece;
  });
  const vocabulary = { tokens, eos: real.eos };
  const vocabMs = performance.now() - t0;
  t0 = performance.now();
  const compiled = guidance.compileGuidance('json_schema', JSON.stringify(SCHEMA), vocabulary);
  const compileMs = performance.now() - t0;
  const v = decoder.vocab;
  const prompt = [
    v['<|user|>'],
    v.hello,
    v.the,
    v.cat,
    v.sat,
    v.on,
    v.the,
    v.mat,
    v['<|end|>'],
    v['<|assistant|>'],
  ];

  const plain = async (count) => {
    const params = new GeneratorParams(model);
    params.setSearchOptions({ max_length: prompt.length + count, min_length: prompt.length + count });
    const generator = new Generator(model, params);
    generator.appendTokens(prompt);
    const start = performance.now();
    while (!generator.isDone()) await generator.generateNextToken();
    return { ms: performance.now() - start, count };
  };
  // getLogits → setLogits with no mask: the Generator's own cost of handing logits out and back.
  const getSet = async (count) => {
    const params = new GeneratorParams(model);
    params.setSearchOptions({ max_length: prompt.length + count, min_length: prompt.length + count });
    const generator = new Generator(model, params);
    generator.appendTokens(prompt);
    const start = performance.now();
    while (!generator.isDone()) {
      generator.setLogits((await generator.getLogits()).data);
      await generator.generateNextToken();
    }
    return { ms: performance.now() - start, count };
  };
  const guided = async () => {
    const params = new GeneratorParams(model);
    params.setSearchOptions({ max_length: prompt.length + MAX_TOKENS });
    const generator = new Generator(model, params);
    generator.appendTokens(prompt);
    const state = compiled.start();
    const ids = [];
    let maskMs = 0;
    let stateMs = 0;
    const start = performance.now();
    for (;;) {
      const d0 = performance.now();
      const done = state.isDone();
      stateMs += performance.now() - d0;
      if (done || generator.isDone()) break;
      const logits = (await generator.getLogits()).data;
      const m0 = performance.now();
      state.mask(logits);
      maskMs += performance.now() - m0;
      generator.setLogits(logits);
      await generator.generateNextToken();
      const [token] = generator.getNextTokens();
      const a0 = performance.now();
      state.advance(token);
      stateMs += performance.now() - a0;
      if (vocabulary.eos.includes(token)) break;
      ids.push(token);
    }
    const ms = performance.now() - start;
    return {
      ms,
      count: ids.length,
      maskMs,
      stateMs,
      text: ids.map((id) => tokens[id]).join(''),
      complete: state.isComplete(),
    };
  };

  const cold = await guided();
  await plain(cold.count); // warm-up
  await getSet(cold.count);
  const runs = { plain: [], getSet: [], guided: [] };
  for (let r = 0; r < RUNS; r++) {
    const g = await guided();
    runs.guided.push(g);
    runs.plain.push(await plain(g.count));
    runs.getSet.push(await getSet(g.count));
  }
  const median = (rs) => [...rs].sort((a, b) => a.ms / a.count - b.ms / b.count)[Math.floor(rs.length / 2)];
  const rate = (r) => r.count / (r.ms / 1000);
  const [p, gs, g] = [median(runs.plain), median(runs.getSet), median(runs.guided)];
  let parses = false;
  try {
    JSON.parse(cold.text);
    parses = true;
  } catch {}
  console.log(
    `\nGreedy generation under a ${Object.keys(SCHEMA.properties).length}-property JSON schema ` +
      `(${cpus().length} CPUs, ${cpus()[0]?.model.trim()}); vocabulary texts in ${vocabMs.toFixed(0)} ms, ` +
      `compile in ${compileMs.toFixed(1)} ms.`,
  );
  console.log(`output (${cold.count} tokens, complete: ${cold.complete}, parses: ${parses}):\n${cold.text}`);
  console.log('variant      | tokens | tokens/s | ms/token | mask() ms/token | advance+isDone ms/token');
  const row = (name, r) =>
    console.log(
      [
        name.padEnd(12),
        String(r.count).padStart(6),
        rate(r).toFixed(1).padStart(8),
        (r.ms / r.count).toFixed(2).padStart(8),
        r.maskMs === undefined ? '' : (r.maskMs / r.count).toFixed(3).padStart(15),
        r.stateMs === undefined ? '' : (r.stateMs / r.count).toFixed(3).padStart(23),
      ].join(' | '),
    );
  row('guided cold', cold);
  row('guided', g);
  row('get/set', gs);
  row('plain', p);
  const ratio = g.ms / g.count / (p.ms / p.count);
  const coldRatio = cold.ms / cold.count / (p.ms / p.count);
  const vsGetSet = g.ms / g.count / (gs.ms / gs.count);
  // Guidance's own work against a plain step: insensitive to other load on the machine.
  const own = 1 + (g.maskMs + g.stateMs) / g.count / (p.ms / p.count);
  console.log(
    `guided/plain per-token cost: ${ratio.toFixed(2)} (target ≤ ${TARGET}: ${ratio <= TARGET ? 'PASS' : 'FAIL'}); ` +
      `first request with the schema (masks computed): ${coldRatio.toFixed(2)}; guided/get-set: ${vsGetSet.toFixed(2)}; ` +
      `1 + guidance's own time / plain step: ${own.toFixed(3)} (cold ${(1 + (cold.maskMs + cold.stateMs) / cold.count / (p.ms / p.count)).toFixed(3)})`,
  );
  process.exitCode = ratio <= TARGET && (parses || !cold.complete) ? 0 : 1;
  await model.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
