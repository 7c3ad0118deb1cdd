import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlRegistryStore } from '@flowline/registry';
import { createTestDatabase, testPostgresUrl } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

// `flowline db copy` moves a single machine's SQLite file to a team's Postgres and back: everything a client
// wrote (experiments, runs with metric history, datasets, the registry, traces, logged models) reads the same
// from the copy, and the copy keeps handing out fresh ids.
let dir: string;
let sqliteUri: string;
let pg: { uri: string; drop(): Promise<void> } | undefined;

/** What the test reads back from a database, to compare the original with its copies. */
async function snapshot(uri: string) {
  const store = await SqlTrackingStore.open(uri);
  const registry = await SqlRegistryStore.open(uri);
  try {
    const experiment = (await store.getExperimentByName('moving'))!;
    const runs = await store.searchRuns({
      experimentIds: [experiment.experimentId],
      maxResults: 100,
      orderBy: ['attributes.run_name ASC'],
    });
    const history = await store.getMetricHistory(runs.items[0]!.info.runId, 'loss');
    const versions = await registry.searchModelVersions({ filter: "name = 'mover'" });
    const alias = await registry.getModelVersionByAlias('mover', 'live');
    const traces = await store.searchTraces({ experimentIds: [experiment.experimentId] });
    const spans = await store.getTraceSpans(traces.items[0]!.traceId);
    const models = await store.searchLoggedModels({ experimentIds: [experiment.experimentId] });
    return {
      experiment,
      runs: runs.items,
      history,
      versions: versions.items,
      alias,
      traces: traces.items,
      spans,
      models: models.items,
    };
  } finally {
    await registry.close();
    await store.close();
  }
}

const postgres = testPostgresUrl();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-db-copy-'));
  sqliteUri = `sqlite:///${join(dir, 'single.db')}`;
  const store = await SqlTrackingStore.open(sqliteUri, { defaultArtifactRoot: join(dir, 'artifacts') });
  const registry = await SqlRegistryStore.open(sqliteUri);
  try {
    const experimentId = await store.createExperiment({
      name: 'moving',
      tags: [{ key: 'team', value: 'a' }],
    });
    for (const name of ['first', 'second', 'third']) {
      const run = await store.createRun({ experimentId, runName: name, startTime: 1000, tags: [] });
      const runId = run.info.runId;
      await store.logBatch(runId, {
        params: [{ key: 'lr', value: '0.1' }],
        tags: [{ key: 'stage', value: name }],
        metrics: [
          ...Array.from({ length: 30 }, (_, step) => ({
            key: 'loss',
            value: 1 / (step + 1),
            timestamp: 2000 + step,
            step,
          })),
          { key: 'odd', value: Number.NaN, timestamp: 3000, step: 0 },
        ],
      });
      await store.logInputs(runId, [
        {
          dataset: { name: 'train', digest: 'abc123', sourceType: 'local', source: '{"uri":"file:///d"}' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ]);
      await registry.createRegisteredModel({ name: 'mover' }).catch(() => undefined);
      await registry.createModelVersion({ name: 'mover', source: `runs:/${runId}/model`, runId });
    }
    await registry.setRegisteredModelAlias('mover', 'live', '2');
    const traceId = randomBytes(16).toString('hex');
    await store.startTrace({ traceId, experimentId, requestTime: 1000, executionDuration: 10, state: 'OK' });
    await store.logSpans(experimentId, [
      {
        traceId,
        otelTraceId: traceId,
        spanId: randomBytes(8).toString('hex'),
        name: 'root',
        type: 'CHAIN',
        status: 'OK',
        startTimeUnixNano: 1_000_000_000n,
        endTimeUnixNano: 1_010_000_000n,
        attributes: { 'mlflow.spanInputs': { question: 'hi' } },
        events: [],
      },
    ]);
    await store.createLoggedModel({ experimentId, name: 'clf', params: { depth: '3' }, tags: { k: 'v' } });
  } finally {
    await registry.close();
    await store.close();
  }
  if (postgres) pg = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await pg?.drop();
  await rm(dir, { recursive: true, force: true });
});

const flowline = (args: string[]) => runCli(args, { cwd: dir, env: {} });

describe.skipIf(!postgres)('flowline db copy', { timeout: 120_000 }, () => {
  it('copies a SQLite database into Postgres and back, and every copy reads the same', async () => {
    const original = await snapshot(sqliteUri);
    expect(original.runs).toHaveLength(3);
    const out = await flowline(['--json', 'db', 'copy', '--from', sqliteUri, '--to', pg!.uri]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.tables).toMatchObject({
      runs: 3,
      params: 3,
      metrics: 93,
      model_versions: 3,
      spans: 1,
      logged_models: 1,
    });
    expect(await snapshot(pg!.uri)).toEqual(original);

    const back = `sqlite:///${join(dir, 'back.db')}`;
    expect((await flowline(['db', 'copy', '--from', pg!.uri, '--to', back])).code).toBe(0);
    expect(await snapshot(back)).toEqual(original);
  });

  it('keeps handing out fresh ids on Postgres after the copy', async () => {
    const store = await SqlTrackingStore.open(pg!.uri);
    try {
      const copied = Number((await store.getExperimentByName('moving'))!.experimentId);
      const next = Number(await store.createExperiment({ name: 'after-copy' }));
      expect(next).toBeGreaterThan(copied);
    } finally {
      await store.close();
    }
  });

  it('refuses a target that holds data, and changes nothing', async () => {
    const before = await snapshot(pg!.uri);
    const out = await flowline(['db', 'copy', '--from', sqliteUri, '--to', pg!.uri]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/already holds data .*copy into an empty database/);
    expect(await snapshot(pg!.uri)).toEqual(before);
  });
});
