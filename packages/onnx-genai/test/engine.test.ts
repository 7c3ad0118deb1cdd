import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import type { SearchOptions } from '../src/index.js';
import { Engine, GeneratorParams, generate, parseEngineSettings, Request } from '../src/index.js';
import { type LoadedDecoder, useDecoder } from './helpers.js';

interface Job {
  text: string;
  /** The step before which the request joins. */
  at: number;
  search: Partial<SearchOptions>;
  /** Cancel it once it has this many new tokens. */
  cancelAfter?: number;
}

function paramsFor(lm: LoadedDecoder, prompt: number[], search: Partial<SearchOptions>): GeneratorParams {
  const params = new GeneratorParams(lm.model);
  params.setSearchOptions({ max_length: prompt.length + 10, ...search });
  return params;
}

/** Runs jobs through one engine, joining at their steps; returns each request and its streamed tokens. */
async function runEngine(lm: LoadedDecoder, engine: Engine, jobs: Job[]) {
  const requests = jobs.map((job) => {
    const prompt = lm.promptIds(job.text);
    const request = new Request(paramsFor(lm, prompt, job.search));
    request.addTokens(prompt);
    return { job, prompt, request, streamed: [] as number[] };
  });
  let maxRunning = 0;
  for (let step = 0; step < 500; step++) {
    for (const r of requests) if (r.job.at === step) engine.addRequest(r.request);
    if (step > Math.max(...jobs.map((j) => j.at)) && !engine.hasPendingRequests()) break;
    if (!engine.hasPendingRequests()) continue;
    await engine.step();
    maxRunning = Math.max(maxRunning, engine.runningCount);
    for (const r of requests) {
      r.streamed.push(...r.request.getNewTokens());
      if (r.job.cancelAfter !== undefined && r.streamed.length >= r.job.cancelAfter) r.request.cancel();
    }
  }
  return { requests, maxRunning };
}

/** What the request would generate alone, through generate(). */
async function alone(lm: LoadedDecoder, prompt: number[], search: Partial<SearchOptions>, shared?: boolean) {
  const params = paramsFor(lm, prompt, search);
  if (shared !== undefined) params.setSearchOptions({ past_present_share_buffer: shared });
  return generate(lm.model, params, prompt);
}

const JOBS: Job[] = [
  { text: 'hello cat', at: 0, search: { max_length: 0 } },
  { text: 'the mat is a world and the cat is on it', at: 0, search: {} },
  { text: 'xyz', at: 2, search: {} },
  { text: 'a world', at: 5, search: {} },
  { text: 'cat mat hello', at: 6, search: {} },
];

for (const [name, decoder] of [
  ['optimum layout', createTinyDecoder({ seed: 5 })],
  ['Phi-3 layout', createTinyDecoder({ layout: 'phi3', seed: 11 })],
] as const) {
  describe(`Engine on the ${name}`, () => {
    const lm = useDecoder(decoder);
    // The shared buffer needs GroupQueryAttention (the Phi-3 layout); the engine keeps a cache per row.
    const cacheModes = name === 'Phi-3 layout' ? [true, false] : [false];
    const jobs = (
      search: Partial<SearchOptions>,
      extra: (i: number) => Partial<SearchOptions> = () => ({}),
    ) =>
      JOBS.map((job, i) => ({ ...job, search: { ...search, ...extra(i), max_length: 0 } })).map((job, i) => {
        const prompt = lm.promptIds(job.text);
        return { ...job, search: { ...job.search, max_length: prompt.length + 6 + 2 * i } };
      });

    it('greedy: every request equals generate() alone, token for token, joining and leaving at different steps', async () => {
      const engine = new Engine(lm.model, { max_batch_size: 3 });
      const { requests, maxRunning } = await runEngine(lm, engine, jobs({}));
      expect(maxRunning).toBe(3);
      for (const r of requests)
        for (const shared of cacheModes) {
          const expected = await alone(lm, r.prompt, r.job.search, shared);
          expect(r.request.getSequence(), `${r.job.text}, shared ${shared}`).toEqual(expected);
        }
      for (const r of requests) {
        expect(r.request.isDone()).toBe(true);
        const eos = new Set(lm.model.config.model.eos_token_id);
        expect(r.streamed.filter((t) => !eos.has(t))).toEqual(r.request.getSequence().slice(r.prompt.length));
      }
    });

    it('seeded sampling: every request makes the same draws as generate() alone, each with its own seed', async () => {
      const sampled = (i: number) => ({ do_sample: true, top_k: 0, temperature: 1.4, random_seed: 100 + i });
      const engine = new Engine(lm.model, { max_batch_size: 4 });
      const { requests } = await runEngine(lm, engine, jobs({}, sampled));
      const distinct = new Set(requests.map((r) => r.request.getSequence().slice(r.prompt.length).join()));
      expect(distinct.size).toBeGreaterThan(1);
      for (const r of requests)
        expect(r.request.getSequence(), r.job.text).toEqual(await alone(lm, r.prompt, r.job.search));
    });

    it('a cancelled request gets no more tokens and frees its row for the next waiting one', async () => {
      const engine = new Engine(lm.model, { max_batch_size: 1 });
      const [first, second] = jobs({}).slice(0, 2) as [Job, Job];
      const { requests } = await runEngine(lm, engine, [
        { ...first, cancelAfter: 2 },
        { ...second, at: 0 },
      ]);
      const [cancelled, next] = requests as [(typeof requests)[0], (typeof requests)[0]];
      expect(cancelled.request.isCancelled()).toBe(true);
      expect(cancelled.streamed.length).toBe(2);
      expect(cancelled.request.getSequence().length).toBe(cancelled.prompt.length + 2);
      expect(next.request.getSequence()).toEqual(await alone(lm, next.prompt, next.job.search));
    });

    it('prefills a long prompt in chunks between decode steps, equal to a one-shot prefill', async () => {
      const engine = new Engine(lm.model, { max_batch_size: 4, max_scheduled_tokens: 4 });
      const long = 'the mat is a world and the cat is on the mat in a world of cats hello';
      const { requests } = await runEngine(lm, engine, [
        { text: 'hello cat', at: 0, search: { max_length: 40 } },
        { text: long, at: 2, search: { chunk_size: 3, max_length: 60 } },
      ]);
      const [short, chunked] = requests as [(typeof requests)[0], (typeof requests)[0]];
      expect(chunked.prompt.length).toBeGreaterThan(12);
      for (const r of [short, chunked])
        expect(r.request.getSequence()).toEqual(
          await alone(lm, r.prompt, { max_length: r.job.search.max_length! }),
        );
    });

    it('continues a conversation from a kept cache: only new tokens are prefilled, the answer as generate() alone', async () => {
      const engine = new Engine(lm.model, { max_cached_prefixes: 2 });
      const finish = async (prompt: number[]) => {
        const request = new Request(paramsFor(lm, prompt, {}));
        request.addTokens(prompt);
        engine.addRequest(request);
        const prefilled = engine.stats.prefilledTokens;
        while (engine.hasPendingRequests()) await engine.step();
        expect(request.getSequence()).toEqual(await alone(lm, prompt, {}));
        expect(engine.stats.prefilledTokens - prefilled).toBe(prompt.length - request.reusedTokens);
        return request;
      };
      const first = await finish(lm.promptIds('hello cat'));
      expect(first.reusedTokens).toBe(0);
      // The next turn: the whole first exchange, then a new user message.
      const turn = [...first.getSequence(), ...lm.promptIds('the mat')];
      const second = await finish(turn);
      const held = first.getSequence().length;
      expect(second.reusedTokens).toBeGreaterThanOrEqual(held - 1);
      expect(second.reusedTokens).toBeLessThanOrEqual(held);
      // A prompt that leaves the kept one part way reuses exactly the common part.
      const branch = [...turn.slice(0, 5), ...lm.promptIds('xyz')];
      let common = 0;
      while (branch[common] === turn[common]) common++;
      expect((await finish(branch)).reusedTokens).toBe(common);
      expect(engine.stats.reusedTokens).toBe(second.reusedTokens + common);
    });

    it('keeps no caches unless max_cached_prefixes asks', async () => {
      const engine = new Engine(lm.model);
      const prompt = lm.promptIds('hello cat');
      for (let i = 0; i < 2; i++) {
        const request = new Request(paramsFor(lm, prompt, {}));
        request.addTokens(prompt);
        engine.addRequest(request);
        while (engine.hasPendingRequests()) await engine.step();
        expect(request.reusedTokens).toBe(0);
      }
      expect(engine.stats.prefilledTokens).toBe(2 * prompt.length);
    });
  });
}

describe('Engine scheduling', () => {
  const lm = useDecoder(createTinyDecoder({ seed: 5 }));

  it('holds at most max_batch_size rows; the rest wait in order, then run', async () => {
    const engine = new Engine(lm.model, { max_batch_size: 2 });
    const prompts = ['hello cat', 'xyz', 'a world', 'the mat'].map((t) => lm.promptIds(t));
    const requests = prompts.map((prompt) => {
      const request = new Request(paramsFor(lm, prompt, {}));
      request.addTokens(prompt);
      engine.addRequest(request);
      return request;
    });
    const counts: number[] = [];
    while (engine.hasPendingRequests()) {
      await engine.step();
      counts.push(engine.runningCount + engine.waitingCount);
      expect(engine.runningCount).toBeLessThanOrEqual(2);
    }
    expect(counts[0]).toBe(4);
    for (const [i, request] of requests.entries())
      expect(request.getSequence()).toEqual(await alone(lm, prompts[i]!, {}));
  });

  it('streams with for await, and removeRequest stops a request at once', async () => {
    const engine = new Engine(lm.model);
    const prompt = lm.promptIds('hello cat');
    const a = new Request(paramsFor(lm, prompt, {}));
    const b = new Request(paramsFor(lm, prompt, {}));
    a.addTokens(prompt);
    b.addTokens(prompt);
    engine.addRequest(a);
    engine.addRequest(b);
    const streamed: number[] = [];
    const reading = (async () => {
      for await (const token of a) streamed.push(token);
    })();
    await engine.step();
    engine.removeRequest(b);
    expect(engine.runningCount).toBe(1);
    while (engine.hasPendingRequests()) await engine.step();
    await reading;
    expect(streamed.filter((t) => !lm.model.config.model.eos_token_id.includes(t))).toEqual(
      a.getSequence().slice(prompt.length),
    );
    expect(b.getSequence().length).toBe(prompt.length + 1);
    expect(() => b.addTokens([1])).toThrow(/only before/);
  });

  it('refuses a step while another is running on the same engine', async () => {
    const engine = new Engine(lm.model);
    const prompt = lm.promptIds('hello cat');
    const request = new Request(paramsFor(lm, prompt, {}));
    request.addTokens(prompt);
    engine.addRequest(request);
    const first = engine.step();
    await expect(engine.step()).rejects.toThrow(/already running/);
    await first;
    while (engine.hasPendingRequests()) await engine.step();
    expect(request.getSequence()).toEqual(await alone(lm, prompt, {}));
  });

  it('reads engine settings from genai_config and refuses bad ones', () => {
    expect(
      parseEngineSettings({ dynamic_batching: { max_batch_size: 8, max_scheduled_tokens: 64 } }),
    ).toMatchObject({
      mode: 'dynamic',
      max_batch_size: 8,
      max_scheduled_tokens: 64,
    });
    expect(parseEngineSettings({ static_batching: { max_batch_size: 2 } }).mode).toBe('static');
    expect(() => parseEngineSettings({ dynamic_batching: { max_batch_size: 0 } })).toThrow(/at least 1/);
    expect(() => parseEngineSettings({ turbo: {} })).toThrow(/one of dynamic_batching/);
  });
});
