import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, type Readable, Transform, Writable } from 'node:stream';
import type { ArtifactRepository } from '@flowline/core';
import { loadModel, saveModel } from '@flowline/model-format';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
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

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  res?: { statusCode?: number };
}

/**
 * A server whose log is kept (`lines`) and whose proxy destination is a folder of its own, written through
 * `wrap` (to stall or fail the repository at a chosen moment). `logged(match)` resolves once a line matches.
 */
async function loggedServer(
  wrap: (
    write: ArtifactRepository['writeArtifact'],
    log: { on: (line: LogLine) => void },
  ) => ArtifactRepository['writeArtifact'] = (w) => w,
) {
  const folder = await mkdtemp(join(tmpdir(), 'flowline-idle-log-'));
  const lines: LogLine[] = [];
  const waiters: Array<{ match: (line: LogLine) => boolean; resolve: () => void }> = [];
  const hooks = { on: (_line: LogLine) => {} };
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      const line = JSON.parse(String(chunk)) as LogLine;
      lines.push(line);
      hooks.on(line);
      for (const waiter of waiters.filter((w) => w.match(line))) waiter.resolve();
      callback();
    },
  });
  const access = createArtifactAccess(join(folder, 'artifacts'));
  const real = access.destination as ArtifactRepository;
  const write = wrap(real.writeArtifact.bind(real), hooks);
  access.destination = new Proxy(real, {
    get: (target, key) => (key === 'writeArtifact' ? write : Reflect.get(target, key, target)),
  });
  const server = await buildServer({
    store,
    artifacts: access,
    webRoot: null,
    bodyIdleTimeoutMs: IDLE_MS,
    logger: pino({ level: 'info' }, sink) as FastifyBaseLogger,
  });
  const logged = (match: (line: LogLine) => boolean) =>
    lines.some(match) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ match, resolve }));
  return {
    url: await server.listen({ host: '127.0.0.1', port: 0 }),
    lines,
    logged,
    /** Resolves once the server has logged a line that starts with `message`, or any error. */
    settled: (message: string) => logged((l) => l.msg.startsWith(message) || l.level >= 50),
    /** Every file and folder left under the destination, partial uploads included. */
    stored: () => readdir(join(folder, 'artifacts'), { recursive: true }).catch(() => [] as string[]),
    close: async () => {
      await server.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Nothing was logged as a server fault, and no answer was a 500. */
function noServerError(lines: LogLine[]): void {
  expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  expect(lines.map((l) => l.res?.statusCode).filter((s) => s !== undefined && s >= 500)).toEqual([]);
}

const upload = (name: string, body: string, length = 1000) =>
  request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${name}`, {
    'content-type': 'application/octet-stream',
    'content-length': length,
  }) + body;

describe('a body cut off or abandoned mid-upload is never a 500', () => {
  it('answers 408 to an upload that stalls, keeps nothing, and logs a client stall', async () => {
    const server = await loggedServer();
    try {
      const { response } = await rawExchange(server.url, upload('stalled.bin', 'x'.repeat(500)));
      stalled408(response);
      await server.settled('upload cut off by the body idle timeout');
      expect(await server.stored()).toEqual([]);
      noServerError(server.lines);
    } finally {
      await server.close();
    }
  });

  it('answers 408, not 500, when the repository write fails while the 408 is on its way', async () => {
    // The write fails the moment the idle timer decides to cut (its warning is logged just before the 408
    // is sent), so the route's failure reaches fastify while the 408 is still going through its hooks.
    const server = await loggedServer((write, log) => async (path, body: Readable, options) => {
      const failed = new Promise<never>((_, reject) => {
        log.on = (line) => {
          if (line.msg.startsWith('request body sent nothing')) reject(new Error('storage write failed'));
        };
      });
      return Promise.race([write(path, body, options), failed]);
    });
    try {
      const { response } = await rawExchange(server.url, upload('racing.bin', 'x'.repeat(500)));
      stalled408(response);
      await server.settled('upload cut off by the body idle timeout');
      await server.logged((l) => l.msg === 'request completed');
      noServerError(server.lines);
      expect(server.lines.find((l) => l.msg === 'request completed')?.res?.statusCode).toBe(408);
    } finally {
      await server.close();
    }
  });

  it('logs a client that goes away mid-body as a client abort, not an internal error', async () => {
    const server = await loggedServer();
    try {
      const { hostname, port } = new URL(server.url);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), hostname, () =>
          socket.write(upload('gone.bin', 'x'.repeat(500))),
        );
        // Once the route is writing the body, the client resets the connection.
        server.logged((l) => l.msg === 'incoming request').then(() => socket.resetAndDestroy());
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
      await server.settled('request body did not arrive whole');
      expect(server.lines.find((l) => l.msg.startsWith('request body did not arrive whole'))?.reason).toBe(
        'client went away',
      );
      noServerError(server.lines);
      expect(await server.stored()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('does not cut an upload whose bytes arrived while the server was stalled', async () => {
    // The server's event loop stalls (a busy-wait longer than the idle time) right after the first bytes;
    // the client sends the rest as soon as its own timers run again, before the server has read them.
    let sendRest = () => {};
    const server = await loggedServer((write) => async (path, body: Readable, options) => {
      let first = true;
      const stall = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          if (first) {
            first = false;
            sendRest();
            const until = performance.now() + IDLE_MS * 3;
            while (performance.now() < until);
          }
          callback(null, chunk);
        },
      });
      return write(
        path,
        pipeline(body, stall, () => {}),
        options,
      );
    });
    try {
      const { hostname, port } = new URL(server.url);
      const response = await new Promise<string>((resolve, reject) => {
        let answer = '';
        const socket = connect(Number(port), hostname, () =>
          socket.write(upload('busy.bin', 'a'.repeat(500))),
        );
        sendRest = () => setTimeout(() => socket.write('b'.repeat(500)), 0);
        socket.on('data', (d) => {
          answer += d;
          if (/\r\n\r\n[\s\S]*\}$/.test(answer)) socket.end();
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(answer));
      });
      expect(parse(response).status).toBe(200);
      expect(await server.stored()).toEqual(['busy.bin']);
      noServerError(server.lines);
    } finally {
      await server.close();
    }
  });
});
