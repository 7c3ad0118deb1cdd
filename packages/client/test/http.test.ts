import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMlflowError, type MlflowError } from '@flowline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpRetry, HttpTransport, httpOptionsFromEnv, toQueryString } from '../src/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A loopback HTTP server answering with `responses` in turn (the last one repeats). */
async function scripted(
  responses: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>,
) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const r = responses[Math.min(seen.length - 1, responses.length - 1)]!;
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const { port } = server!.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

const noWait = { sleep: async () => {} };

describe('HttpTransport', () => {
  it('sends GET inputs as a query string with repeated keys and POST inputs as JSON', async () => {
    const { url, seen } = await scripted([{ status: 200, body: { ok: true } }]);
    const http = new HttpTransport(url, noWait);
    await http.request('GET', '/api/2.0/mlflow/x', { run_ids: ['a', 'b'], metric_key: 'm', skip: undefined });
    await http.request('POST', '/api/2.0/mlflow/y', { name: 'n' });
    expect(seen[0]!.url).toBe('/api/2.0/mlflow/x?run_ids=a&run_ids=b&metric_key=m');
    expect(seen[1]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[1]!.body)).toEqual({ name: 'n' });
  });

  it('retries 429 and 5xx with backoff, honouring Retry-After, then succeeds', async () => {
    const { url, seen } = await scripted([
      { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' } },
      { status: 429, body: 'slow down', headers: { 'retry-after': '3' } },
      { status: 200, body: { experiment_id: '7' } },
    ]);
    const waits: number[] = [];
    const retries: HttpRetry[] = [];
    const http = new HttpTransport(url, {
      sleep: async (ms) => void waits.push(ms),
      backoffJitter: 0,
      backoffFactor: 1,
      onRetry: (retry) => retries.push(retry),
    });
    expect(await http.request('POST', '/e', {})).toEqual({ experiment_id: '7' });
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([1000, 3000]);
    expect(retries).toEqual([
      { url, attempt: 1, attempts: 6, delayMs: 1000, status: 503, reason: 'HTTP 503' },
      { url, attempt: 2, attempts: 6, delayMs: 3000, status: 429, reason: 'HTTP 429' },
    ]);
  });

  it('never retries a 4xx and turns MLflow error JSON into an MlflowError', async () => {
    const { url, seen } = await scripted([
      { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad filter' } },
    ]);
    const http = new HttpTransport(url, noWait);
    const error = (await http.request('POST', '/e', {}).then(
      () => null,
      (e: unknown) => e as MlflowError,
    ))!;
    expect(isMlflowError(error) && error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toBe('bad filter');
    expect(seen).toHaveLength(1);
  });

  it('maps non-MLflow error bodies by status', async () => {
    const { url } = await scripted([{ status: 404, body: '<html>nope</html>' }]);
    const error = (await new HttpTransport(url, noWait).request('GET', '/x').then(
      () => null,
      (e: unknown) => e as MlflowError,
    ))!;
    expect(error.errorCode).toBe('ENDPOINT_NOT_FOUND');
    expect(error.message).toMatch(/HTTP 404/);
  });

  it('gives up on an unreachable server after the retries with a message naming the URI', async () => {
    const { url } = await scripted([{ status: 200 }]);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    let attempts = 0;
    const retries: HttpRetry[] = [];
    const http = new HttpTransport(url, {
      maxRetries: 2,
      sleep: async () => void attempts++,
      onRetry: (retry) => retries.push(retry),
    });
    const error = (await http.request('GET', '/health').then(
      () => null,
      (e: unknown) => e as MlflowError,
    ))!;
    expect(attempts).toBe(2);
    // Each failed attempt is reported before the wait, so a caller can say so at once.
    expect(retries.map((r) => [r.url, r.attempt, r.attempts, r.reason, r.status])).toEqual([
      [url, 1, 3, 'ECONNREFUSED', undefined],
      [url, 2, 3, 'ECONNREFUSED', undefined],
    ]);
    expect(error.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
    expect(error.message).toContain(url);
    expect(error.message).toMatch(/ECONNREFUSED\) after 3 attempts/);
    expect(error.message).toMatch(/MLFLOW_TRACKING_URI/);
  });

  it('sends a bearer token, or basic auth, from MLflow environment variables', async () => {
    const { url, seen } = await scripted([{ status: 200, body: {} }]);
    await new HttpTransport(url, httpOptionsFromEnv({ MLFLOW_TRACKING_TOKEN: 'tok' })).request('GET', '/a');
    await new HttpTransport(
      url,
      httpOptionsFromEnv({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' }),
    ).request('GET', '/b');
    expect(seen[0]!.headers.authorization).toBe('Bearer tok');
    expect(seen[1]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(
      httpOptionsFromEnv({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3', MLFLOW_HTTP_REQUEST_TIMEOUT: '9' }),
    ).toMatchObject({
      maxRetries: 3,
      timeoutSeconds: 9,
    });
  });

  it('builds query strings that drop undefined values', () => {
    expect(toQueryString({ a: 1, b: undefined, c: ['x', 'y'], d: 'é' })).toBe('?a=1&c=x&c=y&d=%C3%A9');
    expect(toQueryString({})).toBe('');
  });
});
