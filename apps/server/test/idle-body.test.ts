import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer, buildServer, createArtifactAccess } from '../src/index.js';

/** Small, so a stall is noticed quickly; the tests assert what happens, not when. */
const IDLE_MS = 300;

/**
 * Opens a raw connection, writes `head` (request line, headers and part of a body), then sends `chunks`
 * one by one with `gapMs` between them, and collects everything the server answers until it closes.
 */
function rawExchange(
  url: string,
  head: string,
  chunks: string[] = [],
  gapMs = 0,
): Promise<{ response: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let response = '';
    const socket = connect(Number(port), hostname, async () => {
      socket.write(head);
      for (const chunk of chunks) {
        await new Promise((r) => setTimeout(r, gapMs));
        if (!socket.writable) break;
        socket.write(chunk);
      }
    });
    socket.on('data', (d) => {
      response += d;
      // A complete, kept-alive answer to a complete request: done, close our side.
      if (chunks.length > 0 && /\r\n\r\n[\s\S]*\}$/.test(response)) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, closed: true }));
  });
}

function request(method: string, path: string, headers: Record<string, string | number>, body = ''): string {
  const lines = Object.entries({ host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n${body}`;
}

function parse(response: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = body;
  }
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: parsed };
}

let dir: string;
let store: SqlTrackingStore;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-idle-'));
  store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: 'mlflow-artifacts:/' });
  app = await buildServer({
    store,
    artifacts: createArtifactAccess(join(dir, 'artifacts')),
    webRoot: null,
    bodyIdleTimeoutMs: IDLE_MS,
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const stalled408 = (response: string) => {
  const answer = parse(response);
  expect(answer.status).toBe(408);
  expect(answer.headers).toContain('connection: close');
  expect(answer.body).toMatchObject({
    error_code: 'BAD_REQUEST',
    message: expect.stringContaining('--body-idle-timeout'),
  });
};

describe('idle request bodies', () => {
  it('cuts off a JSON body that stalls half-way with 408 and closes the connection', async () => {
    const head = request(
      'POST',
      '/api/2.0/mlflow/experiments/create',
      { 'content-type': 'application/json', 'content-length': 40 },
      '{"name":"half',
    );
    const { response, closed } = await rawExchange(url, head);
    stalled408(response);
    expect(closed).toBe(true);
    const search = await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=half`);
    expect(search.status).toBe(404);
  });

  it('cuts off an artifact upload that stalls half-way with 408 and closes the connection', async () => {
    const head = request(
      'PUT',
      '/api/2.0/mlflow-artifacts/artifacts/stalled.bin',
      { 'content-type': 'application/octet-stream', 'content-length': 1000 },
      'x'.repeat(500),
    );
    const { response, closed } = await rawExchange(url, head);
    stalled408(response);
    expect(closed).toBe(true);
  });

  it('cuts off a chunked body that stops sending chunks', async () => {
    const head = request(
      'PUT',
      '/api/2.0/mlflow-artifacts/artifacts/chunked.bin',
      { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      '5\r\nhello\r\n',
    );
    stalled408((await rawExchange(url, head)).response);
  });

  it('never cuts a slow upload that keeps sending', async () => {
    // Each gap is a tenth of the idle time and the whole upload takes more than twice as long. Client and
    // server share this process, so the idle time is long enough that a loaded machine's event-loop stall
    // (which delays the client's next chunk too) is not mistaken for a silent client.
    const idleMs = 1500;
    const slow = await buildServer({
      store,
      artifacts: createArtifactAccess(join(dir, 'artifacts')),
      webRoot: null,
      bodyIdleTimeoutMs: idleMs,
    });
    const slowUrl = await slow.listen({ host: '127.0.0.1', port: 0 });
    const chunks = Array.from({ length: 24 }, (_, i) => `chunk-${String(i).padStart(2, '0')};`);
    const body = chunks.join('');
    const head = request('PUT', '/api/2.0/mlflow-artifacts/artifacts/slow.txt', {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
    });
    try {
      const { response } = await rawExchange(slowUrl, head, chunks, idleMs / 10);
      expect(parse(response).status).toBe(200);
      expect(await readFile(join(dir, 'artifacts', 'slow.txt'), 'utf8')).toBe(body);
    } finally {
      await slow.close();
    }
  });

  it('leaves complete requests alone', async () => {
    const res = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'whole' }),
    });
    expect(res.status).toBe(200);
  });

  it('cuts off a stalled /invocations body on the scoring server too', async () => {
    await writeFile(join(dir, 'model.mjs'), 'export default class { predict(_c, rows) { return rows; } }');
    await saveModel({ path: join(dir, 'model'), custom: { code: join(dir, 'model.mjs') } });
    const scoring = await buildScoringServer({
      model: await loadModel(join(dir, 'model')),
      bodyIdleTimeoutMs: IDLE_MS,
    });
    const scoringUrl = await scoring.listen({ host: '127.0.0.1', port: 0 });
    const head = request(
      'POST',
      '/invocations',
      { 'content-type': 'application/json', 'content-length': 100 },
      '{"inputs":',
    );
    stalled408((await rawExchange(scoringUrl, head)).response);
    await scoring.close();
  });
});
