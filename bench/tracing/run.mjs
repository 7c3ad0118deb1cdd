#!/usr/bin/env node
// Trace store benchmark on PostgreSQL. Prints, from one run:
//   1. ingest: --spans spans (10 per trace, 20 traces per request; a CHAIN root with JSON inputs and outputs,
//      a RETRIEVER, 4 LLM spans with messages and token usage, 3 TOOL spans and a PARSER) sent by --senders
//      concurrent clients as OTLP/HTTP protobuf (`ExportTraceServiceRequest`, bodies encoded before the clock
//      starts) to a real tracking server (buildServer on SqlTrackingStore, listening on loopback in this
//      process); the same traces through SqlTrackingStore.logSpans directly (no HTTP); and the baseline: the
//      rows logSpans wrote (trace_info, spans with their content JSON, trace_tags, trace_request_metadata),
//      read back and inserted again under new ids with bare multi-row INSERTs through `pg`, one
//      transaction per 20 traces, the same number of concurrent clients. spans/s for each and the ratios.
//   2. search: --traces traces seeded with generate_series (trace_info, 3 tags and 4 metadata rows each,
//      MLflow's columns; 10% tagged env=prod), then p50/p95 over --iterations calls of
//      searchTraces({filter: "tags.env = 'prod'", maxResults: 100}), of `POST /api/3.0/mlflow/traces/search`
//      over HTTP, and of the bare SQL baselines (the page query alone: trace_info joined to trace_tags,
//      ordered by timestamp_ms desc, limit 100; and with the page's tags and metadata read as the store does).
//      Goal: p50 < 100 ms.
// Usage: node bench/tracing/run.mjs [--spans N] [--senders N] [--traces N] [--iterations N]
//        (BENCH_POSTGRES_URL or TEST_POSTGRES_URL; BENCH_KEEP=1 keeps the database)
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildServer, createArtifactAccess } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '50000' },
    senders: { type: 'string', default: '4' },
    traces: { type: 'string', default: '100000' },
    iterations: { type: 'string', default: '50' },
  },
});
const SPANS = Number(values.spans);
const SENDERS = Number(values.senders);
const TRACES = Number(values.traces);
const ITERATIONS = Number(values.iterations);
const SPANS_PER_TRACE = 10;
const TRACES_PER_REQUEST = 20;
const REQUESTS = Math.ceil(SPANS / (SPANS_PER_TRACE * TRACES_PER_REQUEST));
const serverUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const dbName = 'flowline_bench_tracing';

// OpenTelemetry's generated OTLP messages, resolved from the server package that depends on them.
const serverRequire = createRequire(new URL('../../apps/server/package.json', import.meta.url));
const otlp = serverRequire('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto;
const ExportTraceServiceRequest = otlp.collector.trace.v1.ExportTraceServiceRequest;

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
const app = await buildServer({ store, artifacts: createArtifactAccess(null), webRoot: null });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const pool = new pg.Pool({ connectionString: url.toString(), max: SENDERS });

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// --- the traces ------------------------------------------------------------------------------------------
const T0 = 1_750_000_000_000n * 1_000_000n;
const QUESTION = 'How do I register a model version from a run and serve it behind an alias? ';

/** The spans of trace `i` of `phase` (one hex digit, so each phase has its own ids), as plain descriptions. */
function traceSpans(phase, i) {
  const otelTraceId = `${phase}${i.toString(16).padStart(31, '0')}`;
  const start = T0 + BigInt(i) * 10_000_000n;
  const span = (k, name, type, offsetMs, durationMs, attributes, parent = 0) => ({
    otelTraceId,
    spanId: `${phase}${(i * SPANS_PER_TRACE + k).toString(16).padStart(15, '0')}`,
    parentSpanId:
      k === 0 ? undefined : `${phase}${(i * SPANS_PER_TRACE + parent).toString(16).padStart(15, '0')}`,
    name,
    type,
    start: start + BigInt(offsetMs) * 1_000_000n,
    end: start + BigInt(offsetMs + durationMs) * 1_000_000n,
    attributes,
  });
  const question = `${QUESTION}(${i})`;
  const messages = [
    { role: 'system', content: 'You answer questions about the MLflow model registry, briefly.' },
    { role: 'user', content: question },
  ];
  const spans = [
    span(0, 'agent', 'CHAIN', 0, 900, {
      'mlflow.spanInputs': { question },
      'mlflow.spanOutputs': `Log the model in the run, call create_model_version with its runs:/ URI (${i}).`,
    }),
    span(1, 'retrieve', 'RETRIEVER', 5, 40, {
      'mlflow.spanInputs': { query: question },
      'mlflow.spanOutputs': [0, 1, 2].map((d) => ({
        page_content: `Document ${d}: model versions are created from a source URI and a run id; aliases point at versions.`,
        metadata: { doc_uri: `https://docs.example/registry/${d}`, chunk_id: `${i}-${d}` },
      })),
    }),
  ];
  for (let k = 0; k < 4; k++)
    spans.push(
      span(2 + k, `chat ${k}`, 'LLM', 50 + k * 200, 180, {
        'mlflow.spanInputs': { messages, model: 'gpt-4o-mini', temperature: 0.2 },
        'mlflow.spanOutputs': {
          choices: [{ index: 0, message: { role: 'assistant', content: `Step ${k}: call the API.` } }],
        },
        'mlflow.chat.tokenUsage': { input_tokens: 120 + k, output_tokens: 30 + k, total_tokens: 150 + 2 * k },
        'mlflow.llm.model': 'gpt-4o-mini',
      }),
    );
  for (let k = 0; k < 3; k++)
    spans.push(
      span(6 + k, `tool ${k}`, 'TOOL', 240 + k * 200, 8, {
        'mlflow.spanInputs': { name: 'search_registry', arguments: { model: `model-${i % 100}`, k } },
        'mlflow.spanOutputs': { versions: [1, 2, 3], aliases: { champion: 3 } },
      }),
    );
  spans.push(
    span(9, 'parse', 'PARSER', 880, 15, {
      'mlflow.spanInputs': 'Step 3: call the API.',
      'mlflow.spanOutputs': { answer: 'call the API' },
    }),
  );
  return spans;
}

const RESOURCE = { 'service.name': 'bench-agent' };
const str = (key, value) => ({ key, value: { stringValue: value } });

/** One OTLP request body (protobuf bytes) for traces [first, first + count) of `phase`. */
function otlpBody(phase, first, count) {
  const spans = [];
  for (let i = first; i < first + count; i++)
    for (const s of traceSpans(phase, i))
      spans.push({
        traceId: Buffer.from(s.otelTraceId, 'hex'),
        spanId: Buffer.from(s.spanId, 'hex'),
        ...(s.parentSpanId ? { parentSpanId: Buffer.from(s.parentSpanId, 'hex') } : {}),
        name: s.name,
        kind: 1,
        startTimeUnixNano: s.start.toString(),
        endTimeUnixNano: s.end.toString(),
        // MLflow's SDK sends its attributes JSON-encoded.
        attributes: [
          str('mlflow.traceRequestId', JSON.stringify(`tr-${s.otelTraceId}`)),
          str('mlflow.spanType', JSON.stringify(s.type)),
          ...Object.entries(s.attributes).map(([k, v]) => str(k, JSON.stringify(v))),
        ],
        status: { code: 1 },
      });
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: Object.entries(RESOURCE).map(([k, v]) => str(k, v)) },
        scopeSpans: [{ scope: { name: 'mlflow.tracing', version: '3.10.0' }, spans }],
      },
    ],
  });
  return ExportTraceServiceRequest.encode(message).finish();
}

/** The same traces as the store's SpanRecords (what the OTLP decoder hands logSpans). */
function spanRecords(phase, first, count) {
  const out = [];
  for (let i = first; i < first + count; i++)
    for (const s of traceSpans(phase, i))
      out.push({
        traceId: `tr-${s.otelTraceId}`,
        otelTraceId: s.otelTraceId,
        spanId: s.spanId,
        ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
        name: s.name,
        type: s.type,
        status: 'OK',
        startTimeUnixNano: s.start,
        endTimeUnixNano: s.end,
        attributes: {
          'mlflow.traceRequestId': `tr-${s.otelTraceId}`,
          'mlflow.spanType': s.type,
          ...s.attributes,
        },
        events: [],
        resourceAttributes: RESOURCE,
      });
  return out;
}

/** Runs `work(j)` for j in [0, count) on `SENDERS` concurrent workers; the wall time in ms. */
async function concurrently(count, work) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return performance.now() - t0;
}

// --- ingest ----------------------------------------------------------------------------------------------
const httpExp = await store.createExperiment({ name: 'ingest-otlp' });
const storeExp = await store.createExperiment({ name: 'ingest-logspans' });
const bareExp = await store.createExperiment({ name: 'ingest-bare' });
const warmExp = await store.createExperiment({ name: 'warm-up' });

async function post(experimentId, body) {
  const response = await fetch(`${base}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
    body,
  });
  if (!response.ok) throw new Error(`/v1/traces answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

// Warm every path (JIT, plan caches, the pool's connections) on traces of their own.
await concurrently(SENDERS, (j) => post(warmExp, otlpBody('e', j * TRACES_PER_REQUEST, TRACES_PER_REQUEST)));
await concurrently(SENDERS, (j) =>
  store.logSpans(warmExp, spanRecords('f', j * TRACES_PER_REQUEST, TRACES_PER_REQUEST)),
);

const bodies = Array.from({ length: REQUESTS }, (_, j) =>
  otlpBody('a', j * TRACES_PER_REQUEST, TRACES_PER_REQUEST),
);
const bodyBytes = bodies.reduce((sum, b) => sum + b.byteLength, 0);
const records = Array.from({ length: REQUESTS }, (_, j) =>
  spanRecords('b', j * TRACES_PER_REQUEST, TRACES_PER_REQUEST),
);
const spanCount = records.reduce((sum, r) => sum + r.length, 0);

const storeMs = await concurrently(REQUESTS, (j) => store.logSpans(storeExp, records[j]));

// The baseline's rows are exactly those logSpans wrote, under new ids ('b…' → 'c…') in another experiment.
const readBack = async (table, where) =>
  (await pool.query(`select * from ${table} where ${where}`, [Number(storeExp)])).rows;
const infoRows = await readBack('trace_info', 'experiment_id = $1');
const inStore = 'request_id in (select request_id from trace_info where experiment_id = $1)';
const tagRows = await readBack('trace_tags', inStore);
const metaRows = await readBack('trace_request_metadata', inStore);
const spanRows = await readBack('spans', 'experiment_id = $1');
const moved = (id) => `tr-c${id.slice(4)}`;
const groups = new Map(infoRows.map((r) => [r.request_id, { info: r, tags: [], meta: [], spans: [] }]));
for (const r of tagRows) groups.get(r.request_id).tags.push(r);
for (const r of metaRows) groups.get(r.request_id).meta.push(r);
for (const r of spanRows) groups.get(r.trace_id).spans.push(r);
const traceGroups = [...groups.values()];

/** A multi-row INSERT of `rows` mapped to `columns` by `pick`. */
function insert(table, columns, rows, pick) {
  const params = [];
  const tuples = rows.map((row) => {
    const at = params.length;
    params.push(...pick(row));
    return `(${columns.map((_, c) => `$${at + c + 1}`).join(', ')})`;
  });
  return [`insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`, params];
}

async function bareBatch(j) {
  const batch = traceGroups.slice(j * TRACES_PER_REQUEST, (j + 1) * TRACES_PER_REQUEST);
  const exp = Number(bareExp);
  const statements = [
    insert(
      'trace_info',
      [
        'request_id',
        'experiment_id',
        'timestamp_ms',
        'execution_time_ms',
        'status',
        'request_preview',
        'response_preview',
      ],
      batch.map((g) => g.info),
      (r) => [
        moved(r.request_id),
        exp,
        r.timestamp_ms,
        r.execution_time_ms,
        r.status,
        r.request_preview,
        r.response_preview,
      ],
    ),
    insert(
      'spans',
      [
        'trace_id',
        'experiment_id',
        'span_id',
        'parent_span_id',
        'name',
        'type',
        'status',
        'start_time_unix_nano',
        'end_time_unix_nano',
        'content',
      ],
      batch.flatMap((g) => g.spans),
      (r) => [
        moved(r.trace_id),
        exp,
        r.span_id,
        r.parent_span_id,
        r.name,
        r.type,
        r.status,
        r.start_time_unix_nano,
        r.end_time_unix_nano,
        r.content,
      ],
    ),
    insert(
      'trace_tags',
      ['key', 'value', 'request_id'],
      batch.flatMap((g) => g.tags),
      (r) => [r.key, r.value, moved(r.request_id)],
    ),
    insert(
      'trace_request_metadata',
      ['key', 'value', 'request_id'],
      batch.flatMap((g) => g.meta),
      (r) => [r.key, r.value, moved(r.request_id)],
    ),
  ];
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const [text, params] of statements) await client.query(text, params);
    await client.query('commit');
  } finally {
    client.release();
  }
}
const bareMs = await concurrently(Math.ceil(traceGroups.length / TRACES_PER_REQUEST), bareBatch);

const httpMs = await concurrently(REQUESTS, (j) => post(httpExp, bodies[j]));
const stored = async (exp) =>
  Number(
    (await pool.query('select count(*) as n from spans where experiment_id = $1', [Number(exp)])).rows[0].n,
  );
for (const exp of [httpExp, storeExp, bareExp]) {
  const n = await stored(exp);
  if (n !== spanCount) throw new Error(`experiment ${exp} holds ${n} spans, expected ${spanCount}`);
}
const rate = (ms) => spanCount / (ms / 1000);

// --- search ----------------------------------------------------------------------------------------------
const searchExp = await store.createExperiment({ name: 'search' });
const seed = async (text, params = []) => {
  const t0 = performance.now();
  await pool.query(text, params);
  return performance.now() - t0;
};
const id = `'tr-' || lpad(to_hex(g), 32, '0')`;
let seedMs = 0;
seedMs += await seed(
  `insert into trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, request_preview, response_preview)
   select ${id}, $1, $2::bigint + g * 1000, 50 + (g * 37) % 2000, case when g % 50 = 0 then 'ERROR' else 'OK' end,
          '{"question": "question ' || g || '"}', '"answer ' || g || '"'
   from generate_series(1, $3) g`,
  [Number(searchExp), 1_750_000_000_000, TRACES],
);
// env: exactly 10 in every 100 consecutive traces are prod, scattered ((g * 7919) mod 100 < 10).
seedMs += await seed(
  `insert into trace_tags (key, value, request_id)
   select k.key, case k.key
       when 'mlflow.traceName' then 'agent'
       when 'mlflow.user' then 'user-' || (g % 50)
       else case when (g * 7919) % 100 < 10 then 'prod' when (g * 7919) % 100 < 40 then 'staging' else 'dev' end
     end, ${id}
   from generate_series(1, $1) g, (values ('mlflow.traceName'), ('mlflow.user'), ('env')) k(key)`,
  [TRACES],
);
seedMs += await seed(
  `insert into trace_request_metadata (key, value, request_id)
   select k.key, case k.key
       when 'mlflow.trace_schema.version' then '3'
       when 'mlflow.traceInputs' then '{"question": "question ' || g || '"}'
       when 'mlflow.traceOutputs' then '"answer ' || g || '"'
       else '{"input_tokens": ' || (100 + g % 400) || ', "output_tokens": 40, "total_tokens": ' || (140 + g % 400) || '}'
     end, ${id}
   from generate_series(1, $1) g,
     (values ('mlflow.trace_schema.version'), ('mlflow.traceInputs'), ('mlflow.traceOutputs'), ('mlflow.trace.tokenUsage')) k(key)`,
  [TRACES],
);
seedMs += await seed('analyze');

const FILTER = "tags.env = 'prod'";
const PAGE_SQL = `select t.* from trace_info t
  join trace_tags g on g.request_id = t.request_id and g.key = 'env' and g.value = 'prod'
  where t.experiment_id = $1 order by t.timestamp_ms desc, t.request_id asc limit 100`;

/** p50/p95 over ITERATIONS calls of `call` (after 5 untimed), and the page size it returned. */
async function timed(call) {
  let count = 0;
  for (let i = 0; i < 5; i++) count = await call();
  const times = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return { count, p50: pct(times, 50), p95: pct(times, 95) };
}
const bareQuery = async () => (await pool.query(PAGE_SQL, [Number(searchExp)])).rowCount;
const barePage = async () => {
  const { rows } = await pool.query(PAGE_SQL, [Number(searchExp)]);
  const ids = rows.map((r) => r.request_id);
  await pool.query('select * from trace_tags where request_id = any($1)', [ids]);
  await pool.query('select * from trace_request_metadata where request_id = any($1)', [ids]);
  return rows.length;
};
const viaStore = async () =>
  (await store.searchTraces({ experimentIds: [searchExp], filter: FILTER, maxResults: 100 })).items.length;
const viaHttp = async () => {
  const response = await fetch(`${base}/api/3.0/mlflow/traces/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: searchExp } }],
      filter: FILTER,
      max_results: 100,
    }),
  });
  if (!response.ok) throw new Error(`traces/search answered ${response.status}: ${await response.text()}`);
  return (await response.json()).traces?.length ?? 0;
};
const searches = {
  bareQuery: await timed(bareQuery),
  barePage: await timed(barePage),
  store: await timed(viaStore),
  http: await timed(viaHttp),
};
// The store's form of the same search (trace-query.ts: EXISTS per clause, limit max_results + 1).
const STORE_SQL = `select t.* from trace_info t where t.experiment_id in ($1)
  and exists (select 1 from trace_tags kv where kv.request_id = t.request_id and kv.key = 'env' and kv.value = 'prod')
  order by t.timestamp_ms desc, t.request_id asc limit 101 offset 0`;
const explain = async (text) =>
  (await pool.query(`explain (analyze, buffers off) ${text}`, [Number(searchExp)])).rows
    .map((r) => r['QUERY PLAN'])
    .filter((line) => /Scan|Join|Loop|Limit|Sort|Gather|Execution/.test(line));
const plans = { bare: await explain(PAGE_SQL), store: await explain(STORE_SQL) };

await app.close();
await pool.end();
await store.close();
if (!process.env.BENCH_KEEP) await admin(`drop database if exists ${dbName} with (force)`);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`PostgreSQL ${serverUrl.replace(/:[^:@/]*@/, ':***@')}`);
console.log(
  `ingest, ${fmt(spanCount)} spans (${fmt(spanCount / SPANS_PER_TRACE)} traces of ${SPANS_PER_TRACE}), ` +
    `${TRACES_PER_REQUEST} traces per request/call/transaction, ${SENDERS} concurrent senders:`,
);
console.log(`  bare multi-row INSERTs (pg), the same rows:  ${fmt(rate(bareMs))} spans/s`);
console.log(`  SqlTrackingStore.logSpans:                   ${fmt(rate(storeMs))} spans/s`);
console.log(
  `  OTLP/HTTP protobuf to /v1/traces:            ${fmt(rate(httpMs))} spans/s  (${fmt(bodyBytes / REQUESTS / 1024)} KiB per request)`,
);
console.log(`  ratio logSpans / bare insert:                ${(rate(storeMs) / rate(bareMs)).toFixed(2)}`);
console.log(`  ratio OTLP ingest / bare insert:             ${(rate(httpMs) / rate(bareMs)).toFixed(2)}`);
console.log(`  ratio OTLP ingest / logSpans:                ${(rate(httpMs) / rate(storeMs)).toFixed(2)}`);
console.log(
  `search over ${fmt(TRACES)} traces (3 tags, 4 metadata each; seeded in ${fmt(seedMs)} ms), filter "${FILTER}" (10%), 100 per page, ${ITERATIONS} calls:`,
);
const line = (name, r) =>
  console.log(`  ${name.padEnd(46)} ${r.count} traces, p50 ${ms(r.p50)}, p95 ${ms(r.p95)}`);
line('bare SQL page query (pg)', searches.bareQuery);
line('bare SQL page + its tags and metadata (pg)', searches.barePage);
line('SqlTrackingStore.searchTraces', searches.store);
line('POST /api/3.0/mlflow/traces/search', searches.http);
const goal = (name, p50) =>
  console.log(`  ${name} p50 ${ms(p50)} (goal < 100 ms): ${p50 < 100 ? 'PASS' : 'FAIL'}`);
goal('searchTraces', searches.store.p50);
goal('traces/search over HTTP', searches.http.p50);
console.log(
  `  ratio p50 searchTraces / bare page + tags and metadata: ${(searches.store.p50 / searches.barePage.p50).toFixed(2)}`,
);
for (const [name, plan] of [
  ['the bare page query', plans.bare],
  ["the store's query (EXISTS)", plans.store],
]) {
  console.log(`  plan of ${name}:`);
  for (const l of plan) console.log(`    ${l.trim()}`);
}
