#!/usr/bin/env node
// Tracking-store benchmark on PostgreSQL. Prints, from one run:
//   1. ingestion: 1,000,000 metric points through SqlTrackingStore.logBatch (1,000 per call) and the same
//      rows through a bare multi-row INSERT with `pg` (the baseline), points/s for both and their ratio;
//   2. search: searchRuns over 10,000 runs (20 params, 20 metrics each) with a metric filter and a metric
//      order, p50/p95 over repeated calls.
// Usage: node bench/tracking-store/run.mjs [--points N] [--runs N]   (BENCH_POSTGRES_URL or TEST_POSTGRES_URL)
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SqlTrackingStore } from '@flowline/tracking-store';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '10000' },
    iterations: { type: 'string', default: '50' },
  },
});
const POINTS = Number(values.points);
const RUNS = Number(values.runs);
const ITERATIONS = Number(values.iterations);
const BATCH = 1000;
const serverUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const dbName = 'flowline_bench';

async function admin(sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const url = new URL(serverUrl);
url.pathname = `/${dbName}`;
await admin(`drop database if exists ${dbName} with (force)`);
await admin(`create database ${dbName}`);

const store = await SqlTrackingStore.open(url.toString(), { defaultArtifactRoot: '/tmp/bench-artifacts' });
const client = new pg.Client({ connectionString: url.toString() });
await client.connect();

function rows(start, count) {
  const out = [];
  for (let i = start; i < start + count; i++) {
    out.push({
      key: `m${i % 100}`,
      value: Math.sin(i),
      timestamp: 1_700_000_000_000 + i,
      step: Math.floor(i / 100),
    });
  }
  return out;
}

// --- ingestion ---------------------------------------------------------------------------------------
const expId = await store.createExperiment({ name: 'ingest' });
const storeRun = (await store.createRun({ experimentId: expId })).info.runId;
const bareRun = (await store.createRun({ experimentId: expId })).info.runId;

async function viaStore() {
  const t0 = performance.now();
  for (let start = 0; start < POINTS; start += BATCH)
    await store.logBatch(storeRun, { metrics: rows(start, BATCH) });
  return performance.now() - t0;
}

async function viaBareInsert() {
  const t0 = performance.now();
  for (let start = 0; start < POINTS; start += BATCH) {
    const batch = rows(start, BATCH);
    const params = [];
    const tuples = batch.map((m, j) => {
      params.push(m.key, m.value, m.timestamp, m.step, false, bareRun);
      const b = j * 6;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
    });
    await client.query(
      `insert into metrics (key, value, timestamp, step, is_nan, run_uuid) values ${tuples.join(', ')}`,
      params,
    );
  }
  return performance.now() - t0;
}

// Warm both paths (JIT, plan caches) on a small slice first.
await store.logBatch(storeRun, { metrics: rows(POINTS, BATCH) });
const bareMs = await viaBareInsert();
const storeMs = await viaStore();
const storeRate = POINTS / (storeMs / 1000);
const bareRate = POINTS / (bareMs / 1000);

// --- search ------------------------------------------------------------------------------------------
const searchExp = Number(await store.createExperiment({ name: 'search' }));
const now = 1_700_000_000_000;
for (let start = 0; start < RUNS; start += 500) {
  await client.query('begin');
  const ids = [];
  const runTuples = [];
  const runParams = [];
  for (let r = start; r < Math.min(RUNS, start + 500); r++) {
    const id = r.toString(16).padStart(32, '0');
    ids.push(id);
    const b = runParams.length;
    runParams.push(id, `run-${r}`, now + r, searchExp, `/tmp/bench/${id}/artifacts`);
    runTuples.push(
      `($${b + 1}, $${b + 2}, 'UNKNOWN', '', '', '', 'FINISHED', $${b + 3}, null, '', 'active', $${b + 5}, $${b + 4})`,
    );
  }
  await client.query(
    `insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) values ${runTuples.join(', ')}`,
    runParams,
  );
  for (const kind of ['params', 'latest_metrics', 'tags']) {
    const values = [];
    const params = [];
    for (const id of ids) {
      const n = kind === 'tags' ? 1 : 20;
      for (let k = 0; k < n; k++) {
        const b = params.length;
        if (kind === 'params') {
          params.push(`p${k}`, String((parseInt(id, 16) * 7 + k) % 13), id);
          values.push(`($${b + 1}, $${b + 2}, $${b + 3})`);
        } else if (kind === 'tags') {
          params.push('mlflow.runName', `run-${parseInt(id, 16)}`, id);
          values.push(`($${b + 1}, $${b + 2}, $${b + 3})`);
        } else {
          params.push(`m${k}`, Math.abs(Math.sin(parseInt(id, 16) * (k + 1))), now, 0, false, id);
          values.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`);
        }
      }
    }
    const columns =
      kind === 'latest_metrics'
        ? '(key, value, timestamp, step, is_nan, run_uuid)'
        : '(key, value, run_uuid)';
    for (let i = 0; i < values.length; i += 2000) {
      const slice = values.slice(i, i + 2000);
      const width = kind === 'latest_metrics' ? 6 : 3;
      const p = params.slice(i * width, (i + slice.length) * width);
      const renumbered = slice.map(
        (_, j) => `(${Array.from({ length: width }, (_, c) => `$${j * width + c + 1}`).join(', ')})`,
      );
      await client.query(`insert into ${kind} ${columns} values ${renumbered.join(', ')}`, p);
    }
  }
  await client.query('commit');
}
await client.query('analyze');

async function timeSearch(maxResults) {
  const filter = 'metrics.m0 > 0.5';
  const orderBy = ['metrics.m1 DESC'];
  let count = 0;
  for (let i = 0; i < 5; i++)
    count = (await store.searchRuns({ experimentIds: [String(searchExp)], filter, orderBy, maxResults }))
      .items.length;
  const times = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await store.searchRuns({ experimentIds: [String(searchExp)], filter, orderBy, maxResults });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { count, p50: pct(50), p95: pct(95) };
}
const page100 = await timeSearch(100);
const page1000 = await timeSearch(1000);

await client.end();
await store.close();
if (!process.env.BENCH_KEEP) await admin(`drop database if exists ${dbName} with (force)`);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`PostgreSQL ${serverUrl.replace(/:[^:@/]*@/, ':***@')}`);
console.log(`ingestion, ${fmt(POINTS)} points in batches of ${BATCH}:`);
console.log(`  bare multi-row INSERT (pg):   ${fmt(bareRate)} points/s`);
console.log(`  SqlTrackingStore.logBatch:    ${fmt(storeRate)} points/s`);
console.log(`  ratio logBatch / bare insert: ${(storeRate / bareRate).toFixed(2)}  (target ≥ 0.50)`);
console.log(
  `searchRuns over ${fmt(RUNS)} runs (20 params, 20 metrics each), filter 'metrics.m0 > 0.5', order 'metrics.m1 DESC', ${ITERATIONS} calls:`,
);
console.log(
  `  max_results=100:  ${page100.count} runs/page, p50 ${page100.p50.toFixed(1)} ms, p95 ${page100.p95.toFixed(1)} ms  (target p50 < 50 ms)`,
);
console.log(
  `  max_results=1000: ${page1000.count} runs/page, p50 ${page1000.p50.toFixed(1)} ms, p95 ${page1000.p95.toFixed(1)} ms`,
);
