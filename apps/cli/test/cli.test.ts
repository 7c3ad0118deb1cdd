import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MLFLOW_HEAD_REVISION, openDatabase } from '@flowline/db';
import { buildServer } from '@flowline/server';
import { createMlflowSchema, SEEDED_ALEMBIC_REVISION, seedMlflowRows } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCli } from './helpers.js';

const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `flowline` binary as a user would. */
function flowline(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, MLFLOW_TRACKING_URI: '', ...env }, cwd: dir },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
let uri: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-'));
  uri = `sqlite:///${join(dir, 'cli.db')}`;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flowline --help', () => {
  it.each([
    [],
    ['server'],
    ['experiments'],
    ['experiments', 'create'],
    ['experiments', 'search'],
    ['runs'],
    ['runs', 'list'],
    ['runs', 'describe'],
    ['db', 'upgrade'],
  ])('explains %j and exits 0', async (...args) => {
    const res = await flowline([...args, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: flowline/);
  });

  it('prints its version with --version', async () => {
    const res = await flowline(['--version']);
    expect(res).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it('exits 2 with a hint for unknown commands and missing options', async () => {
    const unknown = await flowline(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'bogus'/);
    const missing = await flowline(['runs', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--experiment-id/);
  });
});

describe('experiments and runs against a store URI', () => {
  it('creates, lists (table and JSON), renames, deletes and restores experiments', async () => {
    const created = await flowline(['experiments', 'create', '-n', 'cli-exp', '--tracking-uri', uri]);
    expect(created).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Created experiment 'cli-exp' with id (\d+)/),
    });
    const id = /with id (\d+)/.exec(created.stdout)![1]!;
    const dup = await flowline(['experiments', 'create', '-n', 'cli-exp', '--tracking-uri', uri]);
    expect(dup.code).toBe(4);
    expect(dup.stderr).toMatch(/already exists/);
    const table = await flowline(['experiments', 'search', '--tracking-uri', uri]);
    expect(table.stdout).toMatch(/Experiment Id.*Name/);
    expect(table.stdout).toMatch(/cli-exp/);
    const json = JSON.parse(
      (await flowline(['experiments', 'search', '--json', '--tracking-uri', uri])).stdout,
    );
    expect(json.experiments.map((e: { name: string }) => e.name).sort()).toEqual(['Default', 'cli-exp']);
    expect(
      (
        await flowline([
          'experiments',
          'rename',
          '-x',
          id,
          '--new-name',
          'cli-renamed',
          '--tracking-uri',
          uri,
        ])
      ).code,
    ).toBe(0);
    expect((await flowline(['experiments', 'delete', '-x', id, '--tracking-uri', uri])).stdout).toMatch(
      /has been deleted/,
    );
    const deleted = JSON.parse(
      (await flowline(['experiments', 'search', '-v', 'deleted_only', '--json', '--tracking-uri', uri]))
        .stdout,
    );
    expect(deleted.experiments.map((e: { name: string }) => e.name)).toEqual(['cli-renamed']);
    expect((await flowline(['experiments', 'restore', '-x', id, '--tracking-uri', uri])).code).toBe(0);
    const missing = await flowline(['experiments', 'delete', '-x', '999', '--tracking-uri', uri]);
    expect(missing.code).toBe(3);
    const badView = await flowline(['experiments', 'search', '-v', 'sideways', '--tracking-uri', uri]);
    expect(badView.code).toBe(2);
  });

  it('lists, describes, deletes and restores runs, honouring MLFLOW_TRACKING_URI', async () => {
    const store = await SqlTrackingStore.open(uri);
    const expId = await store.createExperiment({ name: 'cli-runs' });
    const run = await store.createRun({ experimentId: expId, runName: 'described' });
    await store.logBatch(run.info.runId, {
      params: [{ key: 'lr', value: '0.3' }],
      metrics: [{ key: 'acc', value: 0.75, timestamp: 1, step: 4 }],
    });
    await store.close();
    const env = { MLFLOW_TRACKING_URI: uri };
    const list = await flowline(['runs', 'list', '--experiment-id', expId], env);
    expect(list.stdout).toMatch(/described/);
    expect(list.stdout).toContain(run.info.runId);
    const described = await flowline(['runs', 'describe', '--run-id', run.info.runId], env);
    expect(described.stdout).toMatch(/Params:[\s\S]*lr[\s\S]*0\.3/);
    expect(described.stdout).toMatch(/acc[\s\S]*0\.75 \(step 4\)/);
    const json = JSON.parse(
      (await flowline(['runs', 'describe', '--run-id', run.info.runId, '--json'], env)).stdout,
    );
    expect(json.run.data.params).toEqual([{ key: 'lr', value: '0.3' }]);
    expect((await flowline(['runs', 'delete', '--run-id', run.info.runId], env)).code).toBe(0);
    expect(
      JSON.parse((await flowline(['runs', 'list', '--experiment-id', expId, '--json'], env)).stdout).runs,
    ).toEqual([]);
    expect((await flowline(['runs', 'restore', '--run-id', run.info.runId], env)).code).toBe(0);
    const missing = await flowline(['runs', 'describe', '--run-id', 'f'.repeat(32), '--json'], env);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr)).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringMatching(/not found/),
    });
  });
});

describe('against a tracking server', () => {
  it('runs the same commands over HTTP', async () => {
    const store = await SqlTrackingStore.open('sqlite://');
    const app = await buildServer({ store });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const created = await flowline(['experiments', 'create', '-n', 'over-http', '--json'], {
        MLFLOW_TRACKING_URI: url,
      });
      expect(JSON.parse(created.stdout)).toEqual({ experiment_id: '1' });
      expect((await store.getExperiment('1')).name).toBe('over-http');
      const list = await flowline(['runs', 'list', '--experiment-id', '77'], { MLFLOW_TRACKING_URI: url });
      expect(list.code).toBe(3);
    } finally {
      await app.close();
      await store.close();
    }
    const down = await flowline(['experiments', 'search'], {
      MLFLOW_TRACKING_URI: url,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    });
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/Could not reach the tracking server/);
    // With retries, each one is said on stderr at once (naming the URL and where it came from), then it fails.
    const retried = await flowline(['experiments', 'search'], {
      MLFLOW_TRACKING_URI: url,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
    });
    expect(retried.code).toBe(5);
    const lines = retried.stderr.trim().split('\n');
    expect(lines[0]).toContain(`cannot connect to the tracking server at ${url} (ECONNREFUSED)`);
    expect(lines[0]).toMatch(/comes from MLFLOW_TRACKING_URI.*attempt 2 of 3/);
    expect(lines[1]).toMatch(/still cannot connect .*attempt 3 of 3/);
    expect(lines[2]).toMatch(/Could not reach the tracking server at .* after 3 attempts/);
    const flagged = await flowline(['--tracking-uri', url, 'experiments', 'search'], {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
    });
    expect(flagged.stderr).toMatch(/comes from --tracking-uri/);
  });
});

describe('flowline db upgrade', () => {
  it('creates a new database and adopts an MLflow one in place', async () => {
    const fresh = `sqlite:///${join(dir, 'fresh.db')}`;
    expect((await flowline(['db', 'upgrade', fresh])).stdout).toMatch(
      new RegExp(
        `applied 0001-mlflow-schema, 0002-search-indexes, 0003-mlflow-head \\(MLflow schema revision ${MLFLOW_HEAD_REVISION}\\)`,
      ),
    );
    expect((await flowline(['db', 'upgrade', fresh])).stdout).toMatch(/is up to date/);
    expect(JSON.parse((await flowline(['db', 'upgrade', fresh, '--json'])).stdout)).toMatchObject({
      applied: [],
      alembic_revision: MLFLOW_HEAD_REVISION,
    });
    const mlflowUri = `sqlite:///${join(dir, 'from-mlflow.db')}`;
    const raw = await openDatabase(mlflowUri);
    await createMlflowSchema(raw.db, 'sqlite');
    await seedMlflowRows(raw.db, 'sqlite');
    await raw.close();
    const adopted = JSON.parse((await flowline(['db', 'upgrade', mlflowUri, '--json'])).stdout);
    expect(adopted).toMatchObject({
      alembic_revision: SEEDED_ALEMBIC_REVISION,
      applied: ['0001-mlflow-schema', '0002-search-indexes', '0003-mlflow-head'],
    });
    expect((await flowline(['db', 'upgrade', 'mysql://x/y'])).code).toBe(2);
  });
});

/** Starts `flowline server` with extra arguments; resolves once `ready` matches its log. */
async function startServer(args: string[], ready: RegExp) {
  const port = await freePort();
  const server = await startCli(['server', '-p', String(port), ...args], { cwd: dir, env: {} }, ready);
  return { port, child: server.child, logs: server.logs, exited: server.exited };
}

describe('flowline server', () => {
  it('serves on the given port and stops cleanly on SIGTERM', async () => {
    const { port, child, logs, exited } = await startServer(
      ['--backend-store-uri', `sqlite:///${join(dir, 'server.db')}`],
      /flowline server listening/,
    );
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.text()).toBe('OK');
    const model = await fetch(`http://127.0.0.1:${port}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'served-registry' }),
    });
    expect(((await model.json()) as { registered_model: { name: string } }).registered_model.name).toBe(
      'served-registry',
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs()).toMatch(/"msg":"stopped"/);
  });

  it('serves artifacts by default into --artifacts-destination, and not with --no-serve-artifacts', async () => {
    const served = await startServer(
      [
        '--backend-store-uri',
        `sqlite:///${join(dir, 'art.db')}`,
        '--artifacts-destination',
        join(dir, 'dest'),
      ],
      /flowline server listening/,
    );
    const api = `http://127.0.0.1:${served.port}/api/2.0`;
    const created = await fetch(`${api}/mlflow/runs/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const runUri = ((await created.json()) as { run: { info: { artifact_uri: string } } }).run.info
      .artifact_uri;
    expect(runUri).toMatch(/^mlflow-artifacts:\/0\/[0-9a-f]{32}\/artifacts$/);
    const put = await fetch(
      `${api}/mlflow-artifacts/artifacts/${runUri.slice('mlflow-artifacts:/'.length)}/note.txt`,
      { method: 'PUT', body: 'hi' },
    );
    expect(put.status).toBe(200);
    expect(
      await readFile(join(dir, 'dest', runUri.slice('mlflow-artifacts:/'.length), 'note.txt'), 'utf8'),
    ).toBe('hi');
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);

    const plain = await startServer(
      ['--backend-store-uri', `sqlite:///${join(dir, 'plain.db')}`, '--no-serve-artifacts'],
      /flowline server listening/,
    );
    const off = await fetch(`http://127.0.0.1:${plain.port}/api/2.0/mlflow-artifacts/artifacts/x.txt`);
    expect(off.status).toBe(503);
    const run = await fetch(`http://127.0.0.1:${plain.port}/api/2.0/mlflow/runs/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(((await run.json()) as { run: { info: { artifact_uri: string } } }).run.info.artifact_uri).toMatch(
      /mlruns\/0\/[0-9a-f]{32}\/artifacts$/,
    );
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);
  });

  it('runs several worker processes on one port with --workers, all stopping on SIGTERM', async () => {
    const { port, child, logs, exited } = await startServer(
      ['-w', '2', '--backend-store-uri', `sqlite:///${join(dir, 'workers.db')}`],
      /"workers":2/,
    );
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ name: `w${i}` }),
      });
      ids.push(((await res.json()) as { experiment_id: string }).experiment_id);
    }
    expect(new Set(ids).size).toBe(6);
    const workers = new Set(
      [...logs().matchAll(/"pid":(\d+),[^\n]*"store":[^\n]*"msg":"flowline server listening"/g)].map(
        (m) => m[1],
      ),
    );
    expect(workers.size).toBe(2);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
