#!/usr/bin/env node
// Auth benchmark: authenticated runs/get and log-batch (1,000 metrics per request) from 8 concurrent clients
// over HTTP, as a ratio of the same requests unauthenticated, in the same run against the same store. The
// server process serves the store twice, without auth and with MLflow's basic-auth app (a non-admin user
// holding EDIT on the experiment, so every request takes the permission path). Phases alternate (plain,
// auth, plain, …, plain) because the tables grow; each auth phase is compared with the mean of the plain
// phases either side of it, and the median over the rounds is reported. Goal: ratio ≥ 0.8.
// Usage: node bench/auth/run.mjs [--requests N] [--rounds R]
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batch, CLIENTS, load } from '../server/common.mjs';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '40' }, rounds: { type: 'string', default: '3' } },
});
const perClient = Number(values.requests);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'flowline-bench-auth-'));
const child = fork(
  new URL('./server-process.mjs', import.meta.url),
  [`sqlite:///${join(dir, 'bench.db')}`, dir],
  {
    stdio: 'inherit',
  },
);
const ready = await new Promise((resolve) => child.once('message', resolve));
const credentials = { authorization: `Basic ${Buffer.from('bench:bench-password-123').toString('base64')}` };

async function phase(base, headers, round) {
  const bodies = Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: perClient }, (_, i) =>
      JSON.stringify({ run_id: ready.runs[CLIENTS + c], metrics: batch(c, round * perClient + i) }),
    ),
  );
  const logBatch = await load(perClient, async (c, i) => {
    const res = await fetch(`${base}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: bodies[c][i],
    });
    if (!res.ok) throw new Error(`log-batch failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  const getRun = await load(perClient * 10, async () => {
    const res = await fetch(`${base}/api/2.0/mlflow/runs/get?run_id=${ready.getTarget}`, { headers });
    if (!res.ok) throw new Error(`runs/get failed: ${res.status}`);
    await res.json();
  });
  return { logBatch, getRun };
}

// Warm both servers (and the auth server's credential cache: its first request pays one scrypt check).
await phase(ready.plainUrl, {}, 1000);
await phase(ready.authUrl, credentials, 1001);
const plain = [await phase(ready.plainUrl, {}, 0)];
const auth = [];
for (let r = 1; r <= rounds; r++) {
  auth.push(await phase(ready.authUrl, credentials, 2 * r - 1));
  plain.push(await phase(ready.plainUrl, {}, 2 * r));
}
child.send({ stop: true });
await new Promise((r) => child.once('exit', r));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios = (kind) =>
  auth.map((a, i) => a[kind].rps / ((plain[i][kind].rps + plain[i + 1][kind].rps) / 2));
const summary = (phases, kind) => ({
  rps: median(phases.map((p) => p[kind].rps)),
  p50: median(phases.map((p) => p[kind].p50)),
  p99: median(phases.map((p) => p[kind].p99)),
});
const line = (name, r) =>
  `  ${name.padEnd(24)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms`;
console.log(
  `store: sqlite; ${CLIENTS} concurrent clients; log-batch = 1,000 metrics per request; ${rounds} rounds (medians)`,
);
console.log(line('log-batch, no auth', summary(plain, 'logBatch')));
console.log(line('log-batch, basic-auth', summary(auth, 'logBatch')));
console.log(line('runs/get, no auth', summary(plain, 'getRun')));
console.log(line('runs/get, basic-auth', summary(auth, 'getRun')));
for (const kind of ['logBatch', 'getRun']) {
  const r = ratios(kind);
  console.log(
    `  ${kind === 'logBatch' ? 'log-batch' : 'runs/get'} throughput with auth: ${median(r).toFixed(2)} of without (rounds: ${r.map((x) => x.toFixed(2)).join(', ')}; goal ≥ 0.80)`,
  );
}
console.log(`  one password check (werkzeug scrypt, uncached): ${ready.verifyMs.toFixed(0)} ms`);
