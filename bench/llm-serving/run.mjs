#!/usr/bin/env node
// LLM serving benchmark: a generated ~54M-parameter decoder in Phi-3's layout (8 layers, hidden 512, MLP
// 1536, RMSNorm, int4 MatMulNBits, GroupQueryAttention, ~32k vocabulary; written by the testkit, nothing
// downloaded), saved as an onnx_genai model and served by the scoring server in a child process. In one
// run it measures:
//   direct   one generation through @flowline/onnx-genai's Generator in this process (generate()): the
//            path every served request took before the engine;
//   worker   one generation through WorkerEngine (the engine on its worker thread) in this process;
//   N chats  N streamed /v1/chat/completions requests sent at once (N = 1, 8, 16, 32), each 64 new
//            tokens (the model's min_length makes every answer exactly 64): total tokens/s, p50 latency,
//            time to first token p50; during the N = 8 run a client pings /ping every 10 ms (p50, p99);
//            the server process's peak resident memory per N, and from it the memory per running row.
//   ceiling  8 identical requests as one in-process engine batch against 1: what the model can give on
//            this machine at all (tokens/s), and how much longer one prefill run of 8 prompts takes than
//            one of a single prompt (the floor under the TTFT ratio when 8 arrive at once).
// Ratios against baselines of the same run: 8 chats / 1 chat tokens/s (goal >= 2.5), TTFT p50 8 / 1
// (goal <= 2), worker / direct tokens/s (goal >= 0.95); /ping p99 (goal < 20 ms). Each N is run --runs
// times and the median kept. On a shared 2-core machine other load skews wall times; compare within a run.
// Usage: pnpm bench:llm-serving [-- --runs 3 --tokens 64]
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { saveModel } from '@flowline/model-format';
import {
  Engine,
  GeneratorParams,
  generate,
  Model,
  Request,
  Tokenizer,
  WorkerEngine,
} from '@flowline/onnx-genai';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { SIZES } from '../lib/decoder-sizes.mjs';
import { startScoringServer } from '../lib/scoring-server.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    tokens: { type: 'string', default: '64' },
    concurrency: { type: 'string', default: '1,8,16,32' },
  },
});
const RUNS = Number(values.runs);
const NEW_TOKENS = Number(values.tokens);
const LEVELS = values.concurrency.split(',').map(Number);
const MESSAGES = [{ role: 'user', content: 'hello the cat sat on the mat' }];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** One streamed chat: time to first content chunk and to the end, and the tokens it reported. */
async function chat(url) {
  const start = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      messages: MESSAGES,
      max_tokens: NEW_TOKENS,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!response.ok) throw new Error(`chat answered ${response.status}: ${await response.text()}`);
  let first;
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    first ??= performance.now();
    text += decoder.decode(chunk, { stream: true });
  }
  const end = performance.now();
  const completion = [...text.matchAll(/"completion_tokens":(\d+)/g)].at(-1);
  return { ttft: first - start, latency: end - start, tokens: completion ? Number(completion[1]) : NaN };
}

/** N chats at once; while they run, /ping every 10 ms when `ping`, and the server's RSS every 50 ms. */
async function level(server, n, ping) {
  let running = true;
  const pings = [];
  let peak = await server.rss();
  const pinger = (async () => {
    while (ping && running) {
      const t = performance.now();
      await fetch(`${server.url}/ping`).then((r) => r.arrayBuffer());
      pings.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await server.rss());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const start = performance.now();
  const chats = await Promise.all(Array.from({ length: n }, () => chat(server.url)));
  const wall = performance.now() - start;
  running = false;
  await Promise.all([pinger, sampler]);
  const tokens = chats.reduce((sum, c) => sum + c.tokens, 0);
  if (chats.some((c) => c.tokens !== NEW_TOKENS))
    throw new Error(`every chat should have ${NEW_TOKENS} tokens: ${chats.map((c) => c.tokens)}`);
  return {
    tokensPerSecond: tokens / (wall / 1000),
    latency: median(chats.map((c) => c.latency)),
    ttft: median(chats.map((c) => c.ttft)),
    pings,
    peak,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'flowline-llm-bench-'));
try {
  const decoder = createTinyDecoder({ layout: 'phi3', maxPositions: 512, ...SIZES });
  const source = await writeModelFiles(join(dir, 'phi3'), decoder.files);
  const tokenizer = await Tokenizer.fromFolder(source);
  const prompt = tokenizer.encode(tokenizer.applyChatTemplate(MESSAGES));
  const length = prompt.length + NEW_TOKENS;
  // min_length = prompt + new tokens: no answer ends early at an eos, so every run does the same work.
  const modelDir = join(dir, 'chat');
  await saveModel({ path: modelDir, onnxGenai: { source, modelConfig: { min_length: length } } });
  console.log(
    `${(decoder.parameterCount / 1e6).toFixed(1)}M-parameter Phi-3-layout decoder; prompt ${prompt.length} tokens, ` +
      `${NEW_TOKENS} new per chat; ${RUNS} runs per figure (median); ${cpus().length} CPU cores`,
  );

  // Baselines in this process: the direct Generator path and one generation on the worker engine.
  const search = { max_length: length, min_length: length, past_present_share_buffer: false };
  const model = await Model.load(source);
  const engine = await WorkerEngine.start(source);
  const direct = async () => {
    const params = new GeneratorParams(model);
    params.setSearchOptions(search);
    const t = performance.now();
    await generate(model, params, prompt);
    return NEW_TOKENS / ((performance.now() - t) / 1000);
  };
  const worker = async () => {
    const t = performance.now();
    const { tokens } = await engine.generate(prompt, search).done;
    if (tokens.length !== NEW_TOKENS) throw new Error(`the worker made ${tokens.length} tokens`);
    return NEW_TOKENS / ((performance.now() - t) / 1000);
  };
  // What this machine's model can give at all: 8 identical requests as one in-process batch (no server),
  // timing its one prefill step and its tokens/s, against one request the same way.
  const ceiling = async (n) => {
    const engine = new Engine(model, { max_batch_size: n });
    for (let i = 0; i < n; i++) {
      const params = new GeneratorParams(model);
      params.setSearchOptions(search);
      const request = new Request(params);
      request.addTokens(prompt);
      engine.addRequest(request);
    }
    const t = performance.now();
    await engine.step();
    const prefill = performance.now() - t;
    let tokens = n;
    while (engine.hasPendingRequests()) tokens += (await engine.step()).length;
    return { prefill, tokensPerSecond: tokens / ((performance.now() - t) / 1000) };
  };
  await direct();
  await worker();
  await ceiling(8);
  const directRuns = [];
  const workerRuns = [];
  const ceilings = { 1: [], 8: [] };
  for (let i = 0; i < RUNS + 2; i++) {
    directRuns.push(await direct());
    workerRuns.push(await worker());
    ceilings[1].push(await ceiling(1));
    ceilings[8].push(await ceiling(8));
  }
  await engine.close();
  await model.close();

  const results = new Map();
  for (const n of LEVELS) {
    const server = await startScoringServer(modelDir, {
      concurrency: n,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      await level(server, Math.min(n, 2), false); // warm-up
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await level(server, n, n === 8));
      results.set(n, {
        tokensPerSecond: median(runs.map((r) => r.tokensPerSecond)),
        latency: median(runs.map((r) => r.latency)),
        ttft: median(runs.map((r) => r.ttft)),
        pings: runs.flatMap((r) => r.pings),
        peak: Math.max(...runs.map((r) => r.peak)),
      });
    } finally {
      await server.stop();
    }
  }

  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log('\n| concurrent streamed chats | total tokens/s | p50 latency | TTFT p50 | server peak RSS |');
  console.log('|---|---|---|---|---|');
  for (const [n, r] of results)
    console.log(
      `| ${n} | ${r.tokensPerSecond.toFixed(1)} | ${ms(r.latency)} | ${ms(r.ttft)} | ${(r.peak / 2 ** 20).toFixed(0)} MiB |`,
    );
  const one = results.get(1);
  const eight = results.get(8);
  const directMedian = median(directRuns);
  const workerMedian = median(workerRuns);
  console.log(`\ndirect Generator, one request: ${directMedian.toFixed(1)} tokens/s`);
  console.log(`worker engine, one request:    ${workerMedian.toFixed(1)} tokens/s`);
  const line = (name, value, goal, ok) =>
    console.log(`${name.padEnd(40)} ${value.padStart(9)}  (goal ${goal}) ${ok ? 'ok' : 'MISSED'}`);
  console.log('');
  if (one && eight) {
    const ratio = eight.tokensPerSecond / one.tokensPerSecond;
    line('tokens/s, 8 chats / 1 chat', `${ratio.toFixed(2)}x`, '>= 2.5x', ratio >= 2.5);
    const ttft = eight.ttft / one.ttft;
    line('TTFT p50, 8 chats / 1 chat', `${ttft.toFixed(2)}x`, '<= 2x', ttft <= 2);
    const p99 = quantile(eight.pings, 0.99);
    line(`/ping p99 during 8 chats (${eight.pings.length} pings)`, ms(p99), '< 20 ms', p99 < 20);
    console.log(`/ping p50 during 8 chats: ${ms(quantile(eight.pings, 0.5))}`);
  }
  const ratioOf = (key) => median(ceilings[8].map((c) => c[key])) / median(ceilings[1].map((c) => c[key]));
  console.log(
    `in-process ceiling, 8 requests as one batch / 1 request: tokens/s ${ratioOf('tokensPerSecond').toFixed(2)}x, ` +
      `prefill step ${ratioOf('prefill').toFixed(2)}x (the floor of the TTFT ratio when 8 arrive at once)`,
  );
  const vsDirect = workerMedian / directMedian;
  line('one request, worker engine / direct', `${vsDirect.toFixed(2)}x`, '>= 0.95x', vsDirect >= 0.95);
  for (const n of LEVELS.filter((n) => n > 1 && results.has(n)))
    console.log(
      `tokens/s, ${n} chats / 1 chat: ${(results.get(n).tokensPerSecond / one.tokensPerSecond).toFixed(2)}x`,
    );
  const top = Math.max(...LEVELS);
  if (one && top > 1) {
    const perRow = (results.get(top).peak - one.peak) / (top - 1);
    const kvPerToken = SIZES.layers * 2 * SIZES.kvHeads * SIZES.headSize * 4;
    console.log(
      `memory per running row: ${(perRow / 2 ** 20).toFixed(1)} MiB measured (peak RSS at ${top} chats less at 1, over ${top - 1}); ` +
        `its KV cache at ${length} tokens is ${((kvPerToken * length) / 2 ** 20).toFixed(1)} MiB (${kvPerToken / 1024} KiB per token)`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
