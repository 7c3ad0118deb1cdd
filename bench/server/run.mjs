#!/usr/bin/env node
// Server benchmark: log-batch (1,000 metrics per request) and runs/get from 8 concurrent clients over HTTP,
// against the same store called in-process in the same run, and the HTTP layer's cost as a ratio.
// Phases alternate (in-process, HTTP, in-process, HTTP, …, in-process) because the tables grow as the run
// goes on; each HTTP phase is compared with the mean of the in-process phases either side of it, and the
// median over the rounds is reported.
// Usage: node bench/server/run.mjs [--store sqlite|postgres] [--requests N] [--rounds R]
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { batch, CLIENTS, load } from './common.mjs';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    requests: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
  },
});
const perClient = Number(values.requests);
const rounds = Number(values.rounds);
let uri;
if (values.store === 'postgres') {
  const server =
    process.env.BENCH_POSTGRES_URL ??
    process.env.TEST_POSTGRES_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query('drop database if exists flowline_bench_server with (force)');
  await admin.query('create database flowline_bench_server');
  await admin.end();
  const u = new URL(server);
  u.pathname = '/flowline_bench_server';
  uri = u.toString();
} else {
  uri = `sqlite:///${join(mkdtempSync(join(tmpdir(), 'flowline-bench-')), 'bench.db')}`;
}

const child = fork(new URL('./server-process.mjs', import.meta.url), [uri, String(perClient)], {
  stdio: 'inherit',
});
const next = () => new Promise((resolve) => child.once('message', resolve));
const ready = await next();
const measureInProcess = async (round) => {
  child.send({ measure: round });
  return (await next()).result;
};

async function httpPhase(round) {
  const bodies = Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: perClient }, (_, i) =>
      JSON.stringify({ run_id: ready.runs[c], metrics: batch(c, round * perClient + i) }),
    ),
  );
  const post = async (c, i) => {
    const res = await fetch(`${ready.url}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[c][i],
    });
    if (!res.ok) throw new Error(`log-batch failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  const get = async () => {
    const res = await fetch(`${ready.url}/api/2.0/mlflow/runs/get?run_id=${ready.getTarget}`);
    if (!res.ok) throw new Error(`runs/get failed: ${res.status}`);
    await res.json();
  };
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const logBatch = await load(perClient, post);
  const cpu = process.cpuUsage(cpu0);
  const clientCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  const getRun = await load(perClient * 10, get);
  return { logBatch, getRun, clientCpu };
}

await load(1, () => fetch(`${ready.url}/health`).then((r) => r.text()));
const inProc = [await measureInProcess(0)];
const http = [];
for (let r = 1; r <= rounds; r++) {
  http.push(await httpPhase(r));
  inProc.push(await measureInProcess(r));
}
child.send({ stop: true });
await new Promise((r) => child.once('exit', r));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const overheads = (kind) =>
  http.map((h, i) => {
    const base = (inProc[i][kind].msPerRequest + inProc[i + 1][kind].msPerRequest) / 2;
    return (h[kind].msPerRequest - base) / base;
  });
const summary = (phases, kind) => ({
  rps: median(phases.map((p) => p[kind].rps)),
  p50: median(phases.map((p) => p[kind].p50)),
  p99: median(phases.map((p) => p[kind].p99)),
});
const line = (name, r) =>
  `  ${name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms`;
const pct = (xs) => xs.map((x) => `${(x * 100).toFixed(1)}%`).join(', ');
console.log(
  `store: ${values.store}; ${CLIENTS} concurrent clients; log-batch = 1,000 metrics per request; ${rounds} rounds (medians)`,
);
console.log(line('log-batch, in-process', summary(inProc, 'logBatch')));
console.log(line('log-batch, HTTP', summary(http, 'logBatch')));
console.log(line('runs/get, in-process', summary(inProc, 'getRun')));
console.log(line('runs/get, HTTP', summary(http, 'getRun')));
console.log(
  `  HTTP overhead, log-batch: ${(median(overheads('logBatch')) * 100).toFixed(1)}% of the store's own time (rounds: ${pct(overheads('logBatch'))}; target < 25%)`,
);
console.log(
  `  HTTP overhead, runs/get:  ${(median(overheads('getRun')) * 100).toFixed(1)}% of the store's own time (rounds: ${pct(overheads('getRun'))})`,
);
console.log(
  `  load generator (this process) used ${(median(http.map((h) => h.clientCpu)) * 100).toFixed(0)}% of a core while posting log-batch`,
);
