import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '@flowline/model-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, serveModel, startCli } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-security-'));
  await writeFile(
    join(dir, 'broken.mjs'),
    "export default class Broken { predict() { throw new Error('model exploded'); } }",
  );
  await saveModel({ path: join(dir, 'broken'), custom: { code: join(dir, 'broken.mjs') } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** GET over real HTTP with this Host header. */
function get(port: number, path: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `flowline server` with these arguments and environment; resolves once it listens. */
async function startServer(args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const server = await startCli(
    ['server', '-p', String(port), '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, ...args],
    { cwd: dir, env },
    'flowline server listening',
  );
  return { port, stop: server.stop };
}

describe('flowline server security flags', () => {
  it('documents them in --help with their environment variables', async () => {
    const { stdout } = await runCli(['server', '--help'], { env: {}, cwd: dir });
    for (const text of [
      '--allowed-hosts',
      'MLFLOW_SERVER_ALLOWED_HOSTS',
      'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS',
      '--x-frame-options',
      '--disable-security-middleware',
      '--body-idle-timeout',
      'FLOWLINE_BODY_IDLE_TIMEOUT',
    ])
      expect(stdout).toContain(text);
    const serve = await runCli(['models', 'serve', '--help'], { env: {}, cwd: dir });
    for (const text of [
      '--allowed-hosts',
      'FLOWLINE_SCORING_ALLOWED_HOSTS',
      '--enable-stack-traces',
      '--body-idle-timeout',
    ])
      expect(serve.stdout).toContain(text);
  });

  it('refuses foreign Host headers by default and takes MLFLOW_SERVER_ALLOWED_HOSTS', async () => {
    const plain = await startServer([]);
    expect((await get(plain.port, '/api/2.0/mlflow/experiments/search', 'evil.example.com')).status).toBe(
      403,
    );
    expect(
      (await get(plain.port, '/api/2.0/mlflow/experiments/search', `localhost:${plain.port}`)).status,
    ).toBe(200);
    expect(await plain.stop()).toBe(0);

    const named = await startServer([], { MLFLOW_SERVER_ALLOWED_HOSTS: 'mlflow.example.com, localhost:*' });
    expect((await get(named.port, '/api/2.0/mlflow/experiments/search', 'mlflow.example.com')).status).toBe(
      200,
    );
    expect((await get(named.port, '/api/2.0/mlflow/experiments/search', 'localhost:1')).status).toBe(200);
    const refused = await get(named.port, '/api/2.0/mlflow/experiments/search', 'evil.example.com');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).message).toContain('--allowed-hosts');
    expect(await named.stop()).toBe(0);
  });

  it('cuts off a stalled body after --body-idle-timeout', async () => {
    const server = await startServer(['--body-idle-timeout', '0.3']);
    const response = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(server.port, '127.0.0.1', () =>
        socket.write(
          'POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
            'content-type: application/json\r\ncontent-length: 50\r\n\r\n{"name":',
        ),
      );
      socket.on('data', (d) => (text += d));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(await server.stop()).toBe(0);
    const bad = await runCli(['server', '--body-idle-timeout', 'soon'], { env: {}, cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--body-idle-timeout');
  });
});

describe('flowline models serve errors', () => {
  const failing = async (extra: string[], env: Record<string, string> = {}) => {
    const server = await serveModel(join(dir, 'broken'), { env, cwd: dir }, extra);
    const res = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [1] }),
    });
    const body = (await res.json()) as { message: string; stack_trace?: string };
    await server.stop();
    return { status: res.status, body, logs: server.logs() };
  };

  it('logs the stack trace and sends only the message by default', async () => {
    const { status, body, logs } = await failing([]);
    expect(status).toBe(400);
    expect(body.message).toMatch(/model exploded/);
    expect(body).not.toHaveProperty('stack_trace');
    expect(logs).toMatch(/broken\.mjs/);
  });

  it('sends it with --enable-stack-traces or FLOWLINE_SCORING_STACK_TRACES=true', async () => {
    expect((await failing(['--enable-stack-traces'])).body.stack_trace).toMatch(
      /model exploded[\s\S]*broken\.mjs/,
    );
    expect((await failing([], { FLOWLINE_SCORING_STACK_TRACES: 'true' })).body.stack_trace).toMatch(
      /broken\.mjs/,
    );
  });
});
