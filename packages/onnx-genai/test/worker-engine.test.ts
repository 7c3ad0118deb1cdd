// WorkerEngine started from the TypeScript sources runs the *built* worker, dist/engine-worker.js (Node 20
// cannot run a .ts worker): run `pnpm turbo run build --filter=@flowline/onnx-genai` before this file
// (from this package: `npx vitest run --root ../.. packages/onnx-genai/test/worker-engine.test.ts`).
import { createTinyDecoder } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationResult, SearchOptions, WorkerEngineStats } from '../src/index.js';
import { GenaiError, GeneratorParams, generate, Request, WorkerEngine } from '../src/index.js';
import { type LoadedDecoder, useDecoder } from './helpers.js';

/** What `generate()` in this process makes for the prompt. */
async function inProcess(lm: LoadedDecoder, prompt: number[], search: Partial<SearchOptions>) {
  const params = new GeneratorParams(lm.model);
  params.setSearchOptions(search);
  return generate(lm.model, params, prompt);
}

/** A finished generation as a sequence: the prompt, then its tokens without a final eos. */
function sequenceOf(prompt: number[], result: GenerationResult): number[] {
  const tokens = result.finishReason === 'stop' ? result.tokens.slice(0, -1) : result.tokens;
  return [...prompt, ...tokens];
}

/** Streams a generation to the end; returns what it streamed and its result. */
async function drain(generation: AsyncIterable<number> & { done: Promise<GenerationResult> }) {
  const streamed: number[] = [];
  for await (const token of generation) streamed.push(token);
  return { streamed, result: await generation.done };
}

const TEXTS = ['hello cat', 'the mat is a world and the cat is on it', 'xyz', 'a world', 'cat mat hello'];

for (const [name, decoder] of [
  ['optimum layout', createTinyDecoder({ seed: 5 })],
  ['Phi-3 layout', createTinyDecoder({ layout: 'phi3', seed: 11 })],
] as const) {
  describe(`WorkerEngine on the ${name}`, () => {
    const lm = useDecoder(decoder);
    let engine: WorkerEngine;
    beforeAll(async () => {
      engine = await WorkerEngine.start(lm.model.dir, { settings: { max_batch_size: 3 } });
    });
    afterAll(() => engine?.close());

    it('loads the config in the worker', () => {
      expect(engine.config).toEqual(lm.model.config);
    });

    for (const [mode, extra] of [
      ['greedy', (_: number) => ({})],
      [
        'seeded sampling',
        (i: number) => ({ do_sample: true, top_k: 0, temperature: 1.4, random_seed: 100 + i }),
      ],
    ] as const)
      it(`${mode}: concurrent generations equal generate() in-process, token for token`, async () => {
        const jobs = TEXTS.map((text, i) => {
          const prompt = lm.promptIds(text);
          return { prompt, search: { max_length: prompt.length + 6 + 2 * i, ...extra(i) } };
        });
        const generations = jobs.map((job) => engine.generate(job.prompt, job.search));
        let mostRunning = 0;
        const runs = await Promise.all(
          generations.map(async (generation) => {
            const streamed: number[] = [];
            for await (const token of generation) {
              streamed.push(token);
              mostRunning = Math.max(mostRunning, engine.stats().running);
            }
            return { streamed, result: await generation.done };
          }),
        );
        // They ran side by side (how many at once depends on when the worker took each in), never past 3.
        expect(mostRunning).toBeGreaterThan(1);
        expect(mostRunning).toBeLessThanOrEqual(3);
        for (const [i, { streamed, result }] of runs.entries()) {
          const { prompt, search } = jobs[i]!;
          expect(streamed).toEqual(result.tokens);
          expect(result.promptTokens).toBe(prompt.length);
          expect(sequenceOf(prompt, result), TEXTS[i]).toEqual(await inProcess(lm, prompt, search));
          const eos = lm.model.config.model.eos_token_id.includes(result.tokens.at(-1)!);
          expect(result.finishReason).toBe(eos ? 'stop' : 'length');
        }
        if (mode === 'seeded sampling')
          expect(new Set(runs.map((r) => r.result.tokens.join())).size).toBeGreaterThan(1);
      });
  });
}

describe('WorkerEngine', () => {
  const lm = useDecoder(createTinyDecoder({ seed: 5 }));
  const prompt = () => lm.promptIds('hello cat');

  it('cancelling through a signal frees the row for the waiting request, and the worker stops stepping', async () => {
    const engine = await WorkerEngine.start(lm.model.dir, { settings: { max_batch_size: 1 } });
    try {
      const ids = prompt();
      const forever = { max_length: ids.length + 60, min_length: ids.length + 60 };
      const controller = new AbortController();
      const long = engine.generate(ids, forever, { signal: controller.signal });
      const next = engine.generate(ids, { max_length: ids.length + 8 });
      const seen: number[] = [];
      let whileBoth: WorkerEngineStats | undefined;
      for await (const token of long) {
        seen.push(token);
        // Cancel once the worker has taken in the second request too (it waits for the one row).
        if (seen.length >= 2 && !whileBoth && engine.stats().waiting === 1) {
          whileBoth = engine.stats();
          controller.abort();
        }
      }
      expect(whileBoth).toMatchObject({ running: 1, waiting: 1 });
      const cancelled = await long.done;
      expect(cancelled.finishReason).toBe('cancelled');
      expect(cancelled.tokens).toEqual(seen);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.length).toBeLessThan(60);
      const { result } = await drain(next);
      expect(sequenceOf(ids, result)).toEqual(await inProcess(lm, ids, { max_length: ids.length + 8 }));
      // One row: every step gave one token to one request, so no step ran for the cancelled one after it left.
      const stats = engine.stats();
      expect(stats).toMatchObject({ running: 0, waiting: 0 });
      expect(stats.steps).toBe(cancelled.tokens.length + result.tokens.length);
      expect(stats.generatedTokens).toBe(stats.steps);
      // A refused request brings a fresh report from the idle worker: no step since.
      await engine.generate(ids, { top_k: -1 }).done.catch(() => {});
      expect(engine.stats().steps).toBe(stats.steps);
    } finally {
      await engine.close();
    }
  });

  it('with max_cached_prefixes, the next turn of a conversation reports its reused prompt tokens', async () => {
    const engine = await WorkerEngine.start(lm.model.dir, { settings: { max_cached_prefixes: 4 } });
    try {
      const first = prompt();
      const search = (p: number[]) => ({ max_length: p.length + 8 });
      const a = await engine.generate(first, search(first)).done;
      expect(a.cachedTokens).toBe(0);
      const turn = [...sequenceOf(first, a), ...lm.promptIds('the mat')];
      const b = await engine.generate(turn, search(turn)).done;
      expect(b.cachedTokens).toBeGreaterThanOrEqual(sequenceOf(first, a).length - 1);
      expect(b.cachedTokens).toBeLessThan(turn.length);
      expect(sequenceOf(turn, b)).toEqual(await inProcess(lm, turn, search(turn)));
    } finally {
      await engine.close();
    }
  });

  it('a signal already aborted ends the generation at once, cancelled, with no tokens', async () => {
    const engine = await WorkerEngine.start(lm.model.dir);
    try {
      const generation = engine.generate(prompt(), {}, { signal: AbortSignal.abort() });
      expect(await drain(generation)).toMatchObject({
        streamed: [],
        result: { tokens: [], finishReason: 'cancelled' },
      });
      expect(engine.stats().steps).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('keeps this thread’s event loop turning while the worker generates', async () => {
    const engine = await WorkerEngine.start(lm.model.dir);
    try {
      const ids = prompt();
      const generation = engine.generate(ids, { max_length: 120, min_length: 120 });
      let turns = 0;
      let spinning = true;
      const spin = () => {
        turns++;
        if (spinning) setImmediate(spin);
      };
      setImmediate(spin);
      const marks: number[] = [];
      for await (const _ of generation) marks.push(turns);
      spinning = false;
      // Stepping an Engine on this thread allows one turn per token (each run blocks it); here many happen.
      expect(marks.length).toBe(120 - ids.length);
      expect(marks.at(-1)! - marks[0]!).toBeGreaterThan(10 * (marks.length - 1));
    } finally {
      await engine.close();
    }
  });

  it('refuses invalid search options and prompts with the same GenaiError as in-process', async () => {
    const engine = await WorkerEngine.start(lm.model.dir);
    try {
      const ids = prompt();
      const bad: [number[], Partial<SearchOptions>][] = [
        [ids, { top_p: 5 }],
        [ids, { no_such_option: 1 } as Partial<SearchOptions>],
        [ids, { num_beams: 2 }],
        [[...ids, 10_000], {}],
        [ids, { max_length: ids.length - 1 }],
      ];
      for (const [tokens, search] of bad) {
        const expected = (() => {
          try {
            const params = new GeneratorParams(lm.model);
            params.setSearchOptions(search);
            new Request(params).addTokens(tokens);
          } catch (error) {
            return error as GenaiError;
          }
          throw new Error(`${JSON.stringify(search)} was accepted in-process`);
        })();
        const generation = engine.generate(tokens, search);
        const error = await generation.done.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(GenaiError);
        expect(error).toMatchObject({ name: expected.name, code: expected.code, message: expected.message });
        await expect(drain(generation)).rejects.toThrow(expected.message);
      }
      const atLimit = await engine.generate(ids, { max_length: ids.length }).done;
      expect(atLimit).toEqual({
        tokens: [],
        finishReason: 'length',
        promptTokens: ids.length,
        cachedTokens: 0,
      });
      const after = await engine.generate(ids, { max_length: ids.length + 3 }).done;
      expect(sequenceOf(ids, after)).toEqual(await inProcess(lm, ids, { max_length: ids.length + 3 }));
    } finally {
      await engine.close();
    }
  });

  it('start rejects with the worker’s GenaiError for a missing folder or bad settings', async () => {
    await expect(WorkerEngine.start('/no/such/model')).rejects.toMatchObject({
      name: 'GenaiConfigError',
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/No genai_config.json/),
    });
    await expect(WorkerEngine.start(lm.model.dir, { settings: { max_batch_size: 0 } })).rejects.toMatchObject(
      { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/max_batch_size/) },
    );
  });

  it('close() rejects pending generations, and later ones', async () => {
    const engine = await WorkerEngine.start(lm.model.dir, { settings: { max_batch_size: 1 } });
    const ids = prompt();
    const running = engine.generate(ids, { max_length: 120, min_length: 120 });
    const waiting = engine.generate(ids, { max_length: 120 });
    const first = await running[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
    await engine.close();
    for (const generation of [running, waiting]) {
      const error = await generation.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GenaiError);
      expect(error).toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(/closed/) });
    }
    await expect(drain(running)).rejects.toThrow(/closed/);
    await expect(engine.generate(ids).done).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await engine.close();
  });
});
