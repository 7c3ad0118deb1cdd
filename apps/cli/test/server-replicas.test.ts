import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type LocalS3, startLocalS3, testPostgresUrl } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, startCli } from './helpers.js';

// Two `flowline server` replicas on one Postgres database with S3 artifacts (s3rver), as a cluster runs
// them behind a load balancer: writes and registry operations alternate between the replicas, each sees
// everything, and SIGTERM drains a replica's in-flight requests before it exits.
let dir: string;
let s3: LocalS3;
let database: { uri: string; drop(): Promise<void> };
const replicas: Array<{ url: string; server: CliProcess }> = [];

async function startReplica(): Promise<{ url: string; server: CliProcess }> {
  const port = await freePort();
  const server = await startCli(
    [
      'server',
      '--port',
      String(port),
      '--backend-store-uri',
      database.uri,
      '--artifacts-destination',
      `s3://${s3.bucket}/artifacts`,
    ],
    {
      cwd: dir,
      env: {
        MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      },
    },
    'flowline server listening',
    60_000,
  );
  return { url: `http://127.0.0.1:${port}`, server };
}

const postgres = testPostgresUrl();

beforeAll(async () => {
  if (!postgres) return;
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-replicas-'));
  s3 = await startLocalS3();
  database = await createTestDatabase();
  replicas.push(await startReplica(), await startReplica());
}, 120_000);
afterAll(async () => {
  for (const r of replicas) await r.server.stop();
  await s3?.stop();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: MLflow's JSON answers, read field by field
type Json = any;

async function call(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path} on ${base}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Answers a GET on a keep-alive connection of `agent`, so the server has surely accepted that connection. */
function warm(url: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Sends a request on `agent`'s (accepted) connection whose body goes out in `chunks` pieces `gapMs` apart,
 * calling `started` once the first piece has been flushed; resolves with the status and body, or rejects if
 * the connection is reset.
 */
function slowRequest(
  url: string,
  method: string,
  body: string,
  agent: Agent,
  started: () => void,
  chunks = 8,
  gapMs = 100,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const size = Math.ceil(body.length / chunks);
    let i = 0;
    const next = () => {
      const first = i === 0;
      req.write(body.slice(i * size, (i + 1) * size), () => {
        if (first) started();
      });
      i++;
      if (i < chunks) setTimeout(next, gapMs);
      else req.end();
    };
    next();
  });
}

describe.skipIf(!postgres)(
  'two flowline server replicas on one Postgres with S3 artifacts',
  { timeout: 180_000 },
  () => {
    it('spreads writes and registry operations over both replicas, and each replica sees all of them', async () => {
      const [a, b] = replicas.map((r) => r.url) as [string, string];
      const at = (i: number) => (i % 2 === 0 ? a : b);
      const { experiment_id: experimentId } = await call(a, 'POST', 'experiments/create', { name: 'spread' });
      const runIds: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { run } = await call(at(i), 'POST', 'runs/create', {
          experiment_id: experimentId,
          run_name: `r${i}`,
        });
        runIds.push(run.info.run_id);
      }
      await Promise.all(
        runIds.map((runId, i) =>
          call(at(i + 1), 'POST', 'runs/log-batch', {
            run_id: runId,
            params: [{ key: 'i', value: String(i) }],
            metrics: Array.from({ length: 20 }, (_, step) => ({
              key: 'loss',
              value: i + step / 100,
              timestamp: 1,
              step,
            })),
          }),
        ),
      );
      // Artifacts through each replica's proxy land in the one S3 bucket.
      for (const [i, runId] of runIds.entries()) {
        const { run } = await call(at(i), 'GET', `runs/get?run_id=${runId}`);
        const path = `${run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '')}/note.txt`;
        const put = await fetch(`${at(i)}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
          method: 'PUT',
          body: `run ${i}`,
        });
        expect(put.status).toBe(200);
      }
      await call(b, 'POST', 'registered-models/create', { name: 'spread-model' });
      const versions = await Promise.all(
        runIds.map((runId, i) =>
          call(at(i), 'POST', 'model-versions/create', {
            name: 'spread-model',
            source: `runs:/${runId}/model`,
            run_id: runId,
          }),
        ),
      );
      // Version numbers stay unique when the creates race across replicas.
      expect(versions.map((v) => Number(v.model_version.version)).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      await call(a, 'POST', 'registered-models/alias', {
        name: 'spread-model',
        alias: 'champion',
        version: '7',
      });

      for (const base of [a, b]) {
        const found = await call(base, 'POST', 'runs/search', {
          experiment_ids: [experimentId],
          max_results: 100,
        });
        expect(found.runs).toHaveLength(12);
        for (const run of found.runs) {
          const i = Number(run.data.params.find((p: { key: string }) => p.key === 'i').value);
          expect(run.data.metrics).toEqual([
            expect.objectContaining({ key: 'loss', value: i + 0.19, step: 19 }),
          ]);
          const file = await fetch(
            `${base}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '')}/note.txt`,
          );
          expect(await file.text()).toBe(`run ${runIds.indexOf(run.info.run_id)}`);
        }
        const history = await call(base, 'GET', `metrics/get-history?run_id=${runIds[5]}&metric_key=loss`);
        expect(history.metrics).toHaveLength(20);
        const alias = await call(base, 'GET', 'registered-models/alias?name=spread-model&alias=champion');
        expect(alias.model_version.version).toBe('7');
        const model = await call(base, 'GET', 'registered-models/get?name=spread-model');
        expect(model.registered_model.latest_versions.map((v: { version: string }) => v.version)).toEqual([
          '12',
        ]);
      }
    });

    it('drains in-flight requests on SIGTERM: each is answered, none is reset, and the other replica sees them', async () => {
      const [a, b] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
      const { experiment_id: experimentId } = await call(b.url, 'POST', 'experiments/create', {
        name: 'drain',
      });
      const { run } = await call(b.url, 'POST', 'runs/create', { experiment_id: experimentId });
      const runId = run.info.run_id as string;
      const writes = 6;
      let started = 0;
      let signalled: () => void = () => {};
      const allStarted = new Promise<void>((resolve) => {
        signalled = resolve;
      });
      // One accepted keep-alive connection per write, then slow bodies on them: every request is on the
      // wire, and mid-body, when the replica gets SIGTERM.
      const agents = Array.from({ length: writes }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
      await Promise.all(agents.map((agent) => warm(`${a.url}/version`, agent)));
      const inFlight = Array.from({ length: writes }, (_, i) =>
        slowRequest(
          `${a.url}/api/2.0/mlflow/runs/log-batch`,
          'POST',
          JSON.stringify({
            run_id: runId,
            metrics: [{ key: `drained_${i}`, value: i, timestamp: 1, step: 0 }],
            tags: [{ key: `padding_${i}`, value: 'x'.repeat(2000) }],
          }),
          agents[i]!,
          () => {
            started++;
            if (started === writes) signalled();
          },
        ),
      );
      await allStarted;
      // The first piece has left this process; give the replica a moment to read the request line.
      await new Promise((r) => setTimeout(r, 200));
      const exited = a.server.stop();
      const answers = await Promise.all(inFlight);
      expect(answers.map((r) => r.status)).toEqual(Array(writes).fill(200));
      for (const agent of agents) agent.destroy();
      expect(await exited).toBe(0);
      replicas.splice(replicas.indexOf(a), 1);
      // The stopped replica takes no new connections; every acknowledged write is in the database.
      await expect(fetch(`${a.url}/health`)).rejects.toThrow();
      const seen = await call(b.url, 'GET', `runs/get?run_id=${runId}`);
      expect(seen.run.data.metrics.map((m: { key: string }) => m.key).sort()).toEqual(
        Array.from({ length: writes }, (_, i) => `drained_${i}`),
      );
    });
  },
);
