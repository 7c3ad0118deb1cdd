#!/usr/bin/env node
// Serving with tracing on and off: a generated decoder in Phi-3's layout (bench/lib/decoder-sizes.mjs, the
// ~54M-parameter model of bench/llm-serving; `--size small` for a 2-layer one), saved as an onnx_genai model,
// loaded once and served in this process by two scoring servers on loopback: one without a tracer and one
// with `tracer: servingTracer('bench')`, whose spans the tracing SDK exports (its bounded batch processor,
// OTLP/HTTP protobuf) to a real tracking server on SQLite in a child process (this script, forked with
// --tracking-child). A run is --concurrency clients each sending --requests streamed
// /v1/chat/completions one after another, every answer exactly --tokens new tokens (the model's min_length);
// runs alternate off, on, on, off, … for --rounds each, and the median tokens/s of each side is kept.
// Prints tokens/s off and on, their ratio (goal >= 0.95) and the export stats (exported, dropped, failed),
// and checks every traced request reached the tracking server. Spans still queued when a traced run's last
// answer arrives are flushed after its clock stops, so they do not land on the next run. On a shared 2-core
// machine the model, the clients and the tracking server share the cores; compare within a run.
// Usage: node bench/tracing/serving.mjs [--rounds 5] [--concurrency 8] [--requests 2] [--tokens 64] [--size bench|small]
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadModel, saveModel } from '@flowline/model-format';
import { Tokenizer } from '@flowline/onnx-genai';
import { buildScoringServer, buildServer, createArtifactAccess, servingTracer } from '@flowline/server';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { configureTracing, flushTracing, getExportStats, shutdownTracing } from '@flowline/tracing';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { SIZES } from '../lib/decoder-sizes.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    requests: { type: 'string', default: '2' },
    tokens: { type: 'string', default: '64' },
    size: { type: 'string', default: 'bench' },
    'tracking-child': { type: 'string' },
  },
});

// The tracking server's process: SQLite at the given URI, an experiment, `{ url, experimentId }` to the
// parent; answers `count` with the number of traces stored and `cpu` with its CPU time (µs); stops on SIGTERM.
if (values['tracking-child']) {
  const store = await SqlTrackingStore.open(values['tracking-child'], { defaultArtifactRoot: tmpdir() });
  const app = await buildServer({ store, artifacts: createArtifactAccess(null), webRoot: null });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const experimentId = await store.createExperiment({ name: 'served' });
  process.on('message', async (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ cpu: user + system });
    }
    if (message !== 'count') return;
    const page = await store.searchTraces({ experimentIds: [experimentId], maxResults: 50_000 });
    process.send({ count: page.items.length });
  });
  process.once('SIGTERM', async () => {
    await app.close();
    await store.close();
    process.exit(0);
  });
  process.send({ url, experimentId });
} else {
  await main();
}

async function main() {
  const ROUNDS = Number(values.rounds);
  const CONCURRENCY = Number(values.concurrency);
  const PER_CLIENT = Number(values.requests);
  const NEW_TOKENS = Number(values.tokens);
  const sizes =
    values.size === 'small'
      ? {
          layers: 2,
          heads: 4,
          kvHeads: 4,
          headSize: 32,
          intermediateSize: 256,
          rmsNorm: true,
          vocabExtra: 4000,
        }
      : SIZES;
  const MESSAGES = [{ role: 'user', content: 'hello the cat sat on the mat' }];
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

  const dir = await mkdtemp(join(tmpdir(), 'flowline-tracing-bench-'));
  const child = fork(new URL(import.meta.url), ['--tracking-child', `sqlite:///${join(dir, 'traces.db')}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const tracking = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the tracking server exited (${code})`)));
  });
  const traceCount = () =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.count));
      child.send('count');
    });
  const childCpu = () =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.cpu));
      child.send('cpu');
    });
  const ownCpu = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const servers = [];
  try {
    const decoder = createTinyDecoder({ layout: 'phi3', maxPositions: 512, ...sizes });
    const source = await writeModelFiles(join(dir, 'phi3'), decoder.files);
    const tokenizer = await Tokenizer.fromFolder(source);
    const promptTokens = tokenizer.encode(tokenizer.applyChatTemplate(MESSAGES)).length;
    const modelDir = join(dir, 'chat');
    // min_length = prompt + new tokens: no answer ends early at an eos, so every run does the same work.
    await saveModel({
      path: modelDir,
      onnxGenai: { source, modelConfig: { min_length: promptTokens + NEW_TOKENS } },
    });

    configureTracing({
      trackingUri: tracking.url,
      experimentId: tracking.experimentId,
      serviceName: 'flowline-models-serve',
    });
    const model = await loadModel(modelDir);
    const limits = { maxConcurrentRequests: CONCURRENCY, maxQueue: CONCURRENCY };
    const urls = {};
    for (const [side, extra] of [
      ['off', {}],
      ['on', { tracer: servingTracer('bench') }],
    ]) {
      // One loaded model behind both servers (its close is idempotent), so both sides use the same engine.
      const app = await buildScoringServer({ model, modelName: 'bench', ...limits, ...extra });
      servers.push(app);
      urls[side] = await app.listen({ host: '127.0.0.1', port: 0 });
    }
    console.log(
      `${(decoder.parameterCount / 1e6).toFixed(1)}M-parameter Phi-3-layout decoder; prompt ${promptTokens} tokens, ` +
        `${NEW_TOKENS} new per chat; ${CONCURRENCY} clients × ${PER_CLIENT} streamed chats per run; ` +
        `${ROUNDS} runs per side (median); ${cpus().length} CPU cores`,
    );

    async function chat(url) {
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
      let text = '';
      const utf8 = new TextDecoder();
      for await (const chunk of response.body) text += utf8.decode(chunk, { stream: true });
      const completion = [...text.matchAll(/"completion_tokens":(\d+)/g)].at(-1);
      const tokens = completion ? Number(completion[1]) : Number.NaN;
      if (tokens !== NEW_TOKENS) throw new Error(`a chat made ${tokens} tokens, expected ${NEW_TOKENS}`);
      return tokens;
    }

    /**
     * One run on `side`: CONCURRENCY clients, PER_CLIENT chats each. Its tokens/s over the wall time, and
     * its CPU time per token: this process (server, model worker, clients) and the tracking server's
     * process, counted until the run's spans are exported and stored.
     */
    async function run(side, perClient = PER_CLIENT) {
      const own0 = ownCpu();
      const child0 = await childCpu();
      const start = performance.now();
      const counts = await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          let tokens = 0;
          for (let i = 0; i < perClient; i++) tokens += await chat(urls[side]);
          return tokens;
        }),
      );
      const wall = performance.now() - start;
      if (side === 'on') await flushTracing();
      const own = ownCpu() - own0;
      const tracking = (await childCpu()) - child0;
      const tokens = counts.reduce((a, b) => a + b, 0);
      return {
        tokensPerSecond: tokens / (wall / 1000),
        cpuMsPerToken: (own + tracking) / 1000 / tokens,
        trackingMsPerRequest: tracking / 1000 / (CONCURRENCY * perClient),
      };
    }

    await run('off', 1); // warm-up, both sides
    await run('on', 1);
    const results = { off: [], on: [] };
    const order = [];
    for (let r = 0; r < ROUNDS; r++) order.push(...(r % 2 === 0 ? ['off', 'on'] : ['on', 'off']));
    for (const side of order) results[side].push(await run(side));

    await flushTracing();
    const stats = getExportStats();
    const traced = CONCURRENCY * (1 + ROUNDS * PER_CLIENT);
    let stored = await traceCount();
    for (let i = 0; i < 50 && stored < traced; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await traceCount();
    }

    const tps = (side) => results[side].map((r) => r.tokensPerSecond);
    const cpu = (side) => median(results[side].map((r) => r.cpuMsPerToken));
    const off = median(tps('off'));
    const on = median(tps('on'));
    const ratio = on / off;
    const list = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
    console.log(
      `tracing off: ${off.toFixed(1)} tokens/s  (runs ${list(tps('off'))}), CPU ${cpu('off').toFixed(2)} ms/token`,
    );
    console.log(
      `tracing on:  ${on.toFixed(1)} tokens/s  (runs ${list(tps('on'))}), CPU ${cpu('on').toFixed(2)} ms/token`,
    );
    console.log(`ratio on / off: ${ratio.toFixed(3)}  (goal >= 0.95): ${ratio >= 0.95 ? 'PASS' : 'FAIL'}`);
    const pairs = results.on.map((r, i) => r.tokensPerSecond / results.off[i].tokensPerSecond);
    console.log(
      `ratio per round (on / off of the same round): ${pairs.map((p) => p.toFixed(3)).join(', ')}; median ${median(pairs).toFixed(3)}`,
    );
    console.log(
      `CPU per token on / off (this process and the tracking server's): ${(cpu('on') / cpu('off')).toFixed(3)}; ` +
        `per request, on − off: ${((cpu('on') - cpu('off')) * NEW_TOKENS).toFixed(1)} ms, of which the tracking server's ` +
        `${median(results.on.map((r) => r.trackingMsPerRequest)).toFixed(1)} ms`,
    );
    console.log(
      `export: ${stats.exported} spans exported, ${stats.dropped} dropped, ${stats.failed} failed, ${stats.queued} queued; ` +
        `${stored} of ${traced} traced requests stored as traces by the tracking server (SQLite, child process)`,
    );
    if (stored !== traced) process.exitCode = 1;
  } finally {
    for (const app of servers) await app.close();
    await shutdownTracing();
    await new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'));
    await rm(dir, { recursive: true, force: true });
  }
}
