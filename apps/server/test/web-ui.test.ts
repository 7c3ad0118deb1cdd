import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, memoryServer } from './helpers.js';

const API = '/api/2.0/mlflow';
let root: string;
let server: Awaited<ReturnType<typeof memoryServer>>;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'flowline-web-ui-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(join(root, 'assets', 'main-abc123.js'), 'console.log(1)');
  server = await memoryServer({ webRoot: root });
});
afterAll(async () => server.close());

describe('the web UI', () => {
  it('serves index.html at / and at every UI path, so shared links open the app', async () => {
    for (const url of ['/', '/experiments/1', '/experiments/1/runs/abc?q=metrics.x%3E1', '/models/m']) {
      const res = await call(server.app, 'GET', url);
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with long caching', async () => {
    const res = await call(server.app, 'GET', '/assets/main-abc123.js');
    expect(res.status).toBe(200);
    expect(res.text).toBe('console.log(1)');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(String(res.headers['cache-control'])).toMatch(/immutable/);
    expect((await call(server.app, 'GET', '/assets/missing.js')).status).toBe(404);
  });

  it('leaves the API alone: unknown endpoints are JSON 404s and wrong verbs 405s', async () => {
    const unknown = await call(server.app, 'GET', `${API}/no/such/thing`);
    expect(unknown).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    const verb = await call(server.app, 'GET', `${API}/runs/create`);
    expect(verb).toMatchObject({ status: 405, body: { error_code: 'BAD_REQUEST' } });
    const search = await call(server.app, 'POST', `${API}/experiments/search`, { max_results: 10 });
    expect(search.status).toBe(200);
    expect((await call(server.app, 'GET', '/health')).text).toBe('OK');
  });

  it('never answers an API-shaped path with the app: unknown ones get the JSON 404', async () => {
    for (const url of [
      '/api/2.0/mlflow/nope',
      '/api/2.0/mlflow-artifacts/nope/x?y=1',
      '/api/3.0/mlflow/nope',
      '/ajax-api/2.0/mlflow/nope',
      '/ajax-api',
      '/graphql/extra',
      '/model-versions/nope',
      '/static-files/main.js',
      '/gateway/x',
      '/%61pi/2.0/mlflow/nope',
    ]) {
      const res = await call(server.app, 'GET', url);
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/application\/json/);
      expect(res.body, url).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: expect.any(String) });
    }
    // The endpoints MLflow serves at the root are answered, not shadowed by the app.
    expect(
      (await call(server.app, 'GET', '/graphql?query=%7Btest(inputString%3A%22a%22)%7Boutput%7D%7D')).body,
    ).toEqual({
      data: { test: { output: 'a' } },
      errors: null,
    });
    const version = await call(
      server.app,
      'GET',
      '/model-versions/get-artifact?name=m&version=1&path=MLmodel',
    );
    expect(version.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    // Names that merely start like an API prefix are the app's.
    expect((await call(server.app, 'GET', '/graphqlish')).text).toContain('<div id="root">');
  });

  it('explains how to build the UI when its assets are missing', async () => {
    for (const webRoot of [join(root, 'nowhere'), null]) {
      const bare = await memoryServer({ webRoot });
      try {
        const res = await call(bare.app, 'GET', '/');
        expect(res.status).toBe(503);
        expect(res.text).toMatch(/not built/);
        expect(res.text).toMatch(/turbo run build --filter=@flowline\/web/);
        expect((await call(bare.app, 'GET', `${API}/no/such/thing`)).status).toBe(404);
      } finally {
        await bare.close();
      }
    }
  });
});
