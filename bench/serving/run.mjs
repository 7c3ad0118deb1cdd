#!/usr/bin/env node
// Serving benchmark: a tiny ONNX MLP scored at batch size 1 from 16 concurrent callers for a fixed time,
// first in-process with onnxruntime-node (the baseline, measured in the same run), then over HTTP through
// the scoring server (`POST /invocations`, {"inputs": [[…]]}) running in a child process, with keep-alive
// connections. Prints requests/s and latency for each, the serving/in-process rate ratio, and PASS/FAIL
// against the target: serving keeps at least 50% of the in-process rate at batch size 1.
// Usage: node bench/serving/run.mjs [--seconds 5] [--clients 16] [--workers N]
//   --workers N  serves with `flowline models serve --workers N` (node:cluster) instead of one process.
import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModel, saveModel } from '@flowline/model-format';
import { createMlpModel } from '@flowline/testkit';
import ort from 'onnxruntime-node';
import { startScoringServer } from '../lib/scoring-server.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '16' },
    workers: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const WORKERS = values.workers === undefined ? undefined : Number(values.workers);
const TARGET = 0.5;
const SHAPE = { inputs: 16, hidden: 32, outputs: 4, seed: 7 };

/** `CLIENTS` loops calling `call(c, i)` back to back for `SECONDS` (after a short warm-up). */
async function load(call, seconds = SECONDS) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const s = performance.now();
        await call(c, i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { rps: latencies.length / elapsed, p50: pct(50), p99: pct(99), n: latencies.length };
}

const mlp = createMlpModel(SHAPE);
// Distinct rows so no two requests are byte-identical; every client cycles through its own 64.
const rows = Array.from({ length: CLIENTS * 64 }, (_, r) =>
  Array.from({ length: SHAPE.inputs }, (_, k) => Math.sin(r * 31 + k)),
);
const row = (c, i) => rows[c * 64 + (i % 64)];

const dir = await mkdtemp(join(tmpdir(), 'flowline-bench-serving-'));
let child;
try {
  const modelDir = join(dir, 'model');
  await saveModel({ path: modelDir, onnx: { model: mlp.bytes } });
  // The saved model loads and agrees with the reference before anything is timed.
  const loaded = await loadModel(modelDir);
  const check = await loaded.predict([row(0, 0)]);
  const expected = mlp.reference([row(0, 0)])[0];
  const got = Array.from(Array.isArray(check) ? check.flat(Infinity) : Object.values(check).flat(Infinity));
  if (got.length !== expected.length || got.some((v, k) => Math.abs(Number(v) - expected[k]) > 1e-4))
    throw new Error(`loaded model disagrees with the reference: ${JSON.stringify(check)} vs ${expected}`);

  // Baseline: onnxruntime-node in this process, batch size 1.
  const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'));
  const infer = async (c, i) => {
    const input = new ort.Tensor('float32', Float32Array.from(row(c, i)), [1, SHAPE.inputs]);
    const out = await session.run({ [mlp.inputName]: input });
    if (out[mlp.outputName].data.length !== SHAPE.outputs) throw new Error('bad output');
  };
  await load(infer, 0.5);
  const inProcess = await load(infer);
  await session.release();

  // Serving: the scoring server in a child process (or the CLI with --workers N), keep-alive clients.
  let url;
  if (WORKERS === undefined) {
    const server = await startScoringServer(modelDir, { stdio: 'inherit' });
    child = server.child;
    url = server.url;
  } else {
    const port = await new Promise((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
    });
    const bin = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
    child = spawn(
      process.execPath,
      [bin, 'models', 'serve', '-m', modelDir, '-p', String(port), '--workers', String(WORKERS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let logs = '';
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        logs += d;
        if (logs.includes('"msg":"scoring server listening"')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${logs}`)));
    });
    url = `http://127.0.0.1:${port}`;
  }
  // Node's fetch (its bundled undici) keeps connections alive and pools one per concurrent caller.
  const bodies = rows.map((r) => JSON.stringify({ inputs: [r] }));
  const post = async (c, i) => {
    const res = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[c * 64 + (i % 64)],
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`/invocations failed: ${res.status} ${text}`);
  };
  await load(post, 0.5);
  const serving = await load(post);

  // The HTTP floor: a bare node:http server with the same client and bodies.
  const bare = fork(new URL('./bare-http.mjs', import.meta.url), [], { stdio: 'inherit' });
  const bareUrl = (await new Promise((resolve) => bare.once('message', resolve))).url;
  const postBare = async (c, i) => {
    const res = await fetch(`${bareUrl}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[c * 64 + (i % 64)],
    });
    await res.text();
  };
  await load(postBare, 0.5);
  const bareHttp = await load(postBare);
  await new Promise((resolve) => {
    bare.once('exit', resolve);
    bare.kill('SIGTERM');
  });

  const ratio = serving.rps / inProcess.rps;
  const line = (name, r) =>
    `  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   (${r.n} requests)`;
  console.log(
    `MLP ${SHAPE.inputs}-${SHAPE.hidden}-${SHAPE.outputs} (ONNX), batch size 1; ${CLIENTS} concurrent callers, ${SECONDS} s each; ${cpus().length} CPU cores`,
  );
  console.log(line('in-process onnxruntime-node', inProcess));
  console.log(
    line(
      WORKERS === undefined ? 'HTTP /invocations, 1 process' : `HTTP /invocations, ${WORKERS} workers`,
      serving,
    ),
  );
  console.log(line('bare node:http, fixed answer', bareHttp));
  console.log(
    `  serving / bare HTTP rate: ${((serving.rps / bareHttp.rps) * 100).toFixed(1)}% (what the scoring server and model add to HTTP itself)`,
  );
  console.log(
    `  serving / in-process rate: ${(ratio * 100).toFixed(1)}% (target >= ${TARGET * 100}%): ${ratio >= TARGET ? 'PASS' : 'FAIL'}`,
  );
  process.exitCode = ratio >= TARGET ? 0 : 1;
} finally {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}
