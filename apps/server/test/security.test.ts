import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer, buildServer, createArtifactAccess, type ServerOptions } from '../src/index.js';
import { call, memoryServer } from './helpers.js';

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request over real HTTP with exactly these headers (fetch would not let a test set Host). */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const API = '/api/2.0/mlflow';

let dir: string;
let store: SqlTrackingStore;
let app: FastifyInstance;
let url: string;

async function listening(options: Partial<ServerOptions> = {}, host = '127.0.0.1') {
  const server = await buildServer({
    store,
    artifacts: createArtifactAccess(join(dir, 'artifacts')),
    webRoot: join(dir, 'no-ui'),
    ...options,
  });
  return { server, url: await server.listen({ host, port: 0 }) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-security-'));
  store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: 'mlflow-artifacts:/' });
  ({ server: app, url } = await listening());
  const put = await send(url, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/kept.txt', {}, 'secret bytes');
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DNS rebinding: the Host header', () => {
  const evil = { host: 'evil.example.com' };
  const evilWrite = { ...json, host: 'evil.example.com', origin: 'http://evil.example.com' };

  it.each([
    ['tracking read', 'GET', `${API}/experiments/search?max_results=5`, evil, undefined],
    ['ajax read', 'GET', '/ajax-api/2.0/mlflow/experiments/search?max_results=5', evil, undefined],
    ['artifact bytes', 'GET', '/api/2.0/mlflow-artifacts/artifacts/kept.txt', evil, undefined],
    ['get-artifact', 'GET', '/get-artifact?path=kept.txt&run_uuid=x', evil, undefined],
    ['graphql', 'POST', '/graphql', { ...json, ...evil }, '{"query":"{ __typename }"}'],
    ['web UI', 'GET', '/', evil, undefined],
    ['unknown path', 'GET', '/nowhere', evil, undefined],
    ['tracking write', 'POST', `${API}/experiments/create`, evilWrite, '{"name":"rebound"}'],
    ['artifact write', 'PUT', '/api/2.0/mlflow-artifacts/artifacts/planted.txt', evil, 'planted'],
  ])(
    'refuses a %s for a foreign Host with 403 naming --allowed-hosts',
    async (_what, method, path, headers, body) => {
      const res = await send(url, method, path, headers, body);
      expect(res.status).toBe(403);
      const answer = JSON.parse(res.text);
      expect(answer.error_code).toBe('PERMISSION_DENIED');
      expect(answer.message).toMatch(/^Invalid Host header - possible DNS rebinding attack detected/);
      expect(answer.message).toContain('--allowed-hosts');
      expect(res.text).not.toContain('secret bytes');
    },
  );

  it('changed nothing for the refused writes', async () => {
    const search = await send(url, 'GET', `${API}/experiments/get-by-name?experiment_name=rebound`);
    expect(search.status).toBe(404);
    const planted = await send(url, 'GET', '/api/2.0/mlflow-artifacts/artifacts/planted.txt');
    expect(planted.status).toBe(404);
  });

  it('serves localhost, 127.0.0.1 and [::1] on any port, and the same requests from them', async () => {
    const port = new URL(url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'localhost', '[::1]:8080', 'LOCALHOST:1']) {
      const res = await send(url, 'GET', `${API}/experiments/search?max_results=5`, { host });
      expect(res.status, host).toBe(200);
    }
    expect((await send(url, 'GET', '/api/2.0/mlflow-artifacts/artifacts/kept.txt')).text).toBe(
      'secret bytes',
    );
    // The web UI (here its 'not built' page, 503).
    expect((await send(url, 'GET', '/')).text).toContain("Flowline's web UI");
  });

  it('answers /health and /version whatever the Host, as MLflow (probes)', async () => {
    expect((await send(url, 'GET', '/health', evil)).status).toBe(200);
    expect((await send(url, 'GET', '/version', evil)).status).toBe(200);
  });

  it('serves the address the server is bound to', async () => {
    // All of 127/8 is loopback on Linux; 127.0.0.2 is not in the default list, only bound here.
    let bound: Awaited<ReturnType<typeof listening>>;
    try {
      bound = await listening({}, '127.0.0.2');
    } catch {
      return; // a platform without 127.0.0.2 (macOS): nothing to check
    }
    const host = `127.0.0.2:${new URL(bound.url).port}`;
    expect((await send(bound.url, 'GET', `${API}/experiments/search`, { host })).status).toBe(200);
    await bound.server.close();
    // The same Host on a server bound elsewhere is refused.
    expect((await send(url, 'GET', `${API}/experiments/search`, { host: '127.0.0.2' })).status).toBe(403);
  });

  it("accepts MLflow's private-network defaults as IP literals only", async () => {
    const server = (await memoryServer()).app;
    const status = async (host: string) => (await call(server, 'GET', '/', undefined, { host })).status;
    for (const host of ['192.168.1.20:5000', '10.0.0.5', '172.20.0.1:80', '0.0.0.0:5000', '[fd12::1]:5000'])
      expect(await status(host), host).toBe(200);
    for (const host of ['172.32.0.1', '10.evil.example.com', 'localhost.evil.example.com', '8.8.8.8'])
      expect(await status(host), host).toBe(403);
    await server.close();
  });

  it('takes --allowed-hosts instead of the defaults, with wildcards and ports', async () => {
    const { app: server, close } = await memoryServer({
      allowedHosts: ['mlflow.example.com', '*.corp.example', '10.1.2.3:5000'],
    });
    const status = async (host: string) =>
      (await call(server, 'GET', `${API}/experiments/search`, undefined, { host })).status;
    for (const host of [
      'mlflow.example.com',
      'mlflow.example.com:8443',
      'team.corp.example:5000',
      '10.1.2.3:5000',
    ])
      expect(await status(host), host).toBe(200);
    for (const host of ['corp.example', 'evil.example.com', '10.1.2.3:6000', 'localhost:5000'])
      expect(await status(host), host).toBe(403);
    await close();
    const open = await memoryServer({ allowedHosts: ['*'] });
    expect((await call(open.app, 'GET', `${API}/experiments/search`, undefined, evil)).status).toBe(200);
    await open.close();
  });
});

describe('cross-origin writes', () => {
  const create = (headers: Record<string, string>, name: string) =>
    send(url, 'POST', `${API}/experiments/create`, { ...json, ...headers }, JSON.stringify({ name }));

  it('lets localhost and 127.0.0.1 of the same port write to each other', async () => {
    const port = new URL(url).port;
    const res = await create(
      { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}`, 'sec-fetch-site': 'cross-site' },
      'same-site',
    );
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(`http://localhost:${port}`);
    expect(
      (await create({ host: `localhost:${port}`, origin: `http://127.0.0.1:${port}` }, 'other-way')).status,
    ).toBe(200);
  });

  it("allows loopback origins on other ports, as MLflow's default CORS origins", async () => {
    expect((await create({ origin: 'http://localhost:3000' }, 'dev-ui')).status).toBe(200);
  });

  it('refuses a foreign Origin even with an allowed Host', async () => {
    const res = await create({ origin: 'http://evil.example.com' }, 'csrf');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).message).toMatch(/^Cross-origin request blocked.*--cors-allowed-origins/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers CORS preflights for trusted origins only', async () => {
    const preflight = (origin: string) =>
      send(url, 'OPTIONS', `${API}/experiments/create`, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      });
    const ok = await preflight('http://localhost:3000');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    const refused = await preflight('https://evil.example.com');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes wildcard --cors-allowed-origins', async () => {
    const { app: server, close } = await memoryServer({ corsAllowedOrigins: ['https://*.corp.example'] });
    const post = (origin: string) =>
      call(server, 'POST', `${API}/experiments/create`, { name: origin }, { origin });
    expect((await post('https://ui.corp.example')).status).toBe(200);
    expect((await post('https://corp.example.evil.com')).status).toBe(403);
    await close();
  });
});

describe('security options', () => {
  it('sets X-Frame-Options and the CSP frame-ancestors from --x-frame-options', async () => {
    const deny = await memoryServer({ xFrameOptions: 'DENY' });
    const denied = await call(deny.app, 'GET', '/health');
    expect(denied.headers['x-frame-options']).toBe('DENY');
    expect(denied.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    await deny.close();
    const none = await memoryServer({ xFrameOptions: 'NONE' });
    const embeddable = await call(none.app, 'GET', '/health');
    expect(embeddable.headers['x-frame-options']).toBeUndefined();
    expect(embeddable.headers['content-security-policy']).not.toContain('frame-ancestors');
    await none.close();
  });

  it('turns the host check and origin guard off with --disable-security-middleware', async () => {
    const { app: server, close } = await memoryServer({ disableSecurityMiddleware: true });
    const res = await call(
      server,
      'POST',
      `${API}/experiments/create`,
      { name: 'unguarded' },
      { host: 'evil.example.com', origin: 'http://evil.example.com' },
    );
    expect(res.status).toBe(200);
    await close();
  });
});

describe('DNS rebinding on the scoring server', () => {
  let scoring: FastifyInstance;
  let scoringUrl: string;
  let modelDir: string;

  beforeAll(async () => {
    modelDir = join(dir, 'model');
    await writeFile(
      join(dir, 'model.mjs'),
      'export default class { predict(_c, rows) { return rows.map(() => 1); } }',
    );
    await saveModel({ path: modelDir, custom: { code: join(dir, 'model.mjs') } });
    scoring = await buildScoringServer({ model: await loadModel(modelDir) });
    scoringUrl = await scoring.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await scoring.close();
  });
  const invoke = (target: string, host?: string) =>
    send(target, 'POST', '/invocations', { ...json, ...(host ? { host } : {}) }, '{"inputs":[[1]]}');

  it('refuses /invocations for a foreign Host and serves it for localhost', async () => {
    const refused = await invoke(scoringUrl, 'evil.example.com');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).message).toMatch(/^Invalid Host header.*--allowed-hosts/);
    expect((await invoke(scoringUrl)).status).toBe(200);
    expect((await send(scoringUrl, 'GET', '/nowhere', { host: 'evil.example.com' })).status).toBe(403);
    // Probes answer whatever the Host.
    expect((await send(scoringUrl, 'GET', '/ping', { host: 'evil.example.com' })).status).toBe(200);
  });

  it('takes allowed hosts instead of the defaults', async () => {
    const named = await buildScoringServer({
      model: await loadModel(modelDir),
      allowedHosts: ['model-*.svc'],
    });
    const namedUrl = await named.listen({ host: '127.0.0.1', port: 0 });
    expect((await invoke(namedUrl, 'model-a.svc:8080')).status).toBe(200);
    expect((await invoke(namedUrl)).status).toBe(403);
    await named.close();
  });
});
