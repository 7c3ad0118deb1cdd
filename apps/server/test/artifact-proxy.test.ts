import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpArtifactRepository,
  LocalArtifactRepository,
  S3ArtifactRepository,
} from '@flowline/artifact-store';
import { artifactRepositoryConformance, HOSTILE_PATHS, type LocalS3, startLocalS3 } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createArtifactAccess } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that follow.
const j = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

/** A server with a local or S3 proxy destination, listening on loopback. */
async function proxyServer(destination: string | null, s3?: LocalS3) {
  const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: 'mlflow-artifacts:/' });
  const access = createArtifactAccess(destination);
  if (s3 && destination?.startsWith('s3://')) {
    access.destination = new S3ArtifactRepository(destination, {
      endpoint: s3.endpoint,
      credentials: s3.credentials,
    });
  }
  const app = await buildServer({ store, artifacts: access });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    store,
    app,
    url,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** A raw HTTP request: the path goes out exactly as written (fetch would normalise `..` and `%2e`). */
function raw(
  url: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method,
        path,
        headers: body === undefined ? {} : { 'content-type': 'application/octet-stream' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('artifact proxy over a local destination', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof proxyServer>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowline-proxy-'));
    await mkdir(join(dir, 'outside'));
    await writeFile(join(dir, 'outside', 'escape.txt'), 'secret outside the root');
    await writeFile(join(dir, 'escape.txt'), 'secret next to the root');
    await mkdir(join(dir, 'dest'));
    await symlink(join(dir, 'outside'), join(dir, 'dest', 'link-out'));
    server = await proxyServer(join(dir, 'dest'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives new runs mlflow-artifacts: URIs and lists, downloads and deletes through the tracking API', async () => {
    const run = await server.store.createRun({});
    expect(run.info.artifactUri).toBe(`mlflow-artifacts:/0/${run.info.runId}/artifacts`);
    const repo = new HttpArtifactRepository(run.info.artifactUri, { trackingUri: server.url });
    await repo.writeArtifact(
      'model/MLmodel',
      (await import('node:stream')).Readable.from(Buffer.from('flavors: {}\n')),
    );
    const list = await j(fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}`));
    expect(list).toEqual({ root_uri: run.info.artifactUri, files: [{ path: 'model', is_dir: true }] });
    const inner = await j(
      fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}&path=model`),
    );
    expect(inner.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
    const proxyList = await j(
      fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=0/${run.info.runId}/artifacts/model`),
    );
    expect(proxyList).toEqual({ files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }] });
    const download = await fetch(`${server.url}/get-artifact?run_id=${run.info.runId}&path=model/MLmodel`);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename=MLmodel');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await download.text()).toBe('flavors: {}\n');
    const del = await fetch(
      `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${run.info.runId}/artifacts/model`,
      { method: 'DELETE' },
    );
    expect(await j(del)).toEqual({});
    expect(await repo.listArtifacts()).toEqual([]);
    const empty = await j(fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}`));
    expect(empty).toEqual({ root_uri: run.info.artifactUri });
  });

  it('accepts uploads of any content type, JSON included, byte for byte', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/uploads/data.json`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"not": "parsed"}',
    });
    expect(res.status).toBe(200);
    expect(
      await (await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/uploads/data.json`)).text(),
    ).toBe('{"not": "parsed"}');
  });

  it('answers multipart requests with 501 for a destination that cannot do them', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/mpu/create/x.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'x.bin', num_parts: 2 }),
    });
    expect(res.status).toBe(501);
    const body = await j(res);
    expect(body.error_code).toBe('NOT_IMPLEMENTED');
    // MLflow's client falls back to one PUT only when the message starts with exactly this sentence.
    expect(
      body.message.startsWith('Multipart upload is not supported for the current artifact repository'),
    ).toBe(true);
  });

  it("serves downloads with MLflow's content types and a valid Content-Disposition for any file name", async () => {
    const files: Array<[string, string, string]> = [
      ['a.txt', 'text/plain', 'attachment; filename=a.txt'],
      ['MLmodel', 'text/plain', 'attachment; filename=MLmodel'],
      ['mlproject', 'text/plain', 'attachment; filename=mlproject'],
      ['conf.yaml', 'text/plain', 'attachment; filename=conf.yaml'],
      ['data.json', 'text/plain', 'attachment; filename=data.json'],
      ['table.csv', 'text/plain', 'attachment; filename=table.csv'],
      ['b.pkl', 'application/octet-stream', 'attachment; filename=b.pkl'],
      ['c.png', 'image/png', 'attachment; filename=c.png'],
      ['d.pdf', 'application/pdf', 'attachment; filename=d.pdf'],
      ['dog+step+20', 'application/octet-stream', 'attachment; filename=dog+step+20'],
      ['my file.txt', 'text/plain', 'attachment; filename="my file.txt"'],
      ['résumé.txt', 'text/plain', "attachment; filename=resume.txt; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"],
      [
        '模型.bin',
        'application/octet-stream',
        "attachment; filename=.bin; filename*=UTF-8''%E6%A8%A1%E5%9E%8B.bin",
      ],
    ];
    const run = await server.store.createRun({});
    const folder = `0/${run.info.runId}/artifacts/names`;
    for (const [name] of files) {
      const put = await fetch(
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/${folder}/${encodeURIComponent(name)}`,
        {
          method: 'PUT',
          body: name,
        },
      );
      expect(put.status, name).toBe(200);
    }
    for (const [name, type, disposition] of files) {
      for (const url of [
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/${folder}/${encodeURIComponent(name)}`,
        `${server.url}/get-artifact?run_id=${run.info.runId}&path=${encodeURIComponent(`names/${name}`)}`,
      ]) {
        const res = await fetch(url, { headers: { accept: 'application/json' } });
        expect(res.status, url).toBe(200);
        expect(res.headers.get('content-type'), name).toBe(type);
        expect(res.headers.get('content-disposition'), name).toBe(disposition);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(await res.text()).toBe(name);
      }
    }
    // Listings are by path in code-point order, folders among files, as MLflow's repositories list.
    const list = await j(
      fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}&path=names`),
    );
    const paths = list.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths[0]).toBe('names/MLmodel');
  });

  const routes = (path: string, runId: string) => [
    ['GET', `/api/2.0/mlflow-artifacts/artifacts/${path}`],
    ['PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}`],
    ['DELETE', `/api/2.0/mlflow-artifacts/artifacts/${path}`],
    ['GET', `/ajax-api/2.0/mlflow-artifacts/artifacts/${path}`],
    ['GET', `/api/2.0/mlflow-artifacts/artifacts?path=${path}`],
    ['GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${path}`],
    ['GET', `/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${path}`],
    ['GET', `/get-artifact?run_id=${runId}&path=${path}`],
    ['GET', `/ajax-api/2.0/mlflow/get-artifact?run_id=${runId}&path=${path}`],
    ['POST', `/api/2.0/mlflow-artifacts/mpu/create/${path}`],
  ];
  // How each hostile path travels in a URL: as written where it can be, percent-encoded where it cannot.
  const inUrl = (p: string) => p.replaceAll('\\', '%5C').replaceAll('\u0000', '%00').replaceAll('\n', '%0A');

  it.each([...HOSTILE_PATHS, 'link-out/escape.txt'])(
    'refuses %j on every artifact route with 400 and touches nothing outside',
    async (hostile) => {
      const run = await server.store.createRun({});
      // The run's own folder gets an escaping link too, for the routes that resolve paths inside a run.
      const runDir = join(dir, 'dest', '0', run.info.runId, 'artifacts');
      await mkdir(runDir, { recursive: true });
      await symlink(join(dir, 'outside'), join(runDir, 'link-out'));
      for (const [method, path] of routes(inUrl(hostile), run.info.runId)) {
        const res = await raw(
          server.url,
          method!,
          path!,
          method === 'PUT' || method === 'POST' ? 'planted' : undefined,
        );
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 400 });
        expect(JSON.parse(res.text).error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(res.text).not.toContain('secret');
      }
      expect((await readdir(dir)).sort()).toEqual(['dest', 'escape.txt', 'outside']);
      expect(await readdir(join(dir, 'outside'))).toEqual(['escape.txt']);
    },
  );
});

describe('artifact proxy turned off', () => {
  it('answers proxy routes with 503 TEMPORARILY_UNAVAILABLE and lists local run artifacts directly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-noproxy-'));
    const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: dir });
    const app: FastifyInstance = await buildServer({ store, artifacts: createArtifactAccess(null) });
    const res = await app.inject({ method: 'GET', url: '/api/2.0/mlflow-artifacts/artifacts/x.txt' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error_code).toBe('TEMPORARILY_UNAVAILABLE');
    const run = await store.createRun({});
    await new LocalArtifactRepository(run.info.artifactUri).writeArtifact(
      'a.txt',
      (await import('node:stream')).Readable.from(Buffer.from('a')),
    );
    const list = await app.inject({
      method: 'GET',
      url: `/api/2.0/mlflow/artifacts/list?run_id=${run.info.runId}`,
    });
    expect(list.json()).toEqual({
      root_uri: run.info.artifactUri,
      files: [{ path: 'a.txt', is_dir: false, file_size: 1 }],
    });
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('through the proxy', () => {
  let s3: LocalS3;
  let local: Awaited<ReturnType<typeof proxyServer>>;
  let onS3: Awaited<ReturnType<typeof proxyServer>>;
  let dir: string;
  beforeAll(async () => {
    s3 = await startLocalS3();
    dir = await mkdtemp(join(tmpdir(), 'flowline-proxy-conf-'));
    local = await proxyServer(join(dir, 'dest'));
    onS3 = await proxyServer(`s3://${s3.bucket}/proxied`, s3);
  });
  afterAll(async () => {
    await local?.close();
    await onS3?.close();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  artifactRepositoryConformance(
    'HttpArtifactRepository → proxy → local folder (mlflow-artifacts:/)',
    async () => ({
      repository: new HttpArtifactRepository('mlflow-artifacts:/conformance/local', {
        trackingUri: local.url,
      }),
      cleanup: async () => {},
    }),
  );

  artifactRepositoryConformance('HttpArtifactRepository → proxy → S3 (http URL form)', async () => ({
    repository: new HttpArtifactRepository(`${onS3.url}/api/2.0/mlflow-artifacts/artifacts/conformance/s3`),
    cleanup: async () => {},
  }));

  it('runs a multipart upload with presigned part URLs against an S3 destination', async () => {
    const part1 = Buffer.alloc(5 * 1024 * 1024, 1);
    const part2 = Buffer.from('tail');
    const created = await j(
      fetch(`${onS3.url}/api/2.0/mlflow-artifacts/mpu/create/mpu/big.bin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: 'mpu/big.bin', num_parts: 2 }),
      }),
    );
    expect(created.credentials.map((c: { part_number: number }) => c.part_number)).toEqual([1, 2]);
    const parts = [];
    for (const [i, body] of [part1, part2].entries()) {
      const res = await fetch(created.credentials[i].url, { method: 'PUT', body });
      expect(res.status).toBe(200);
      parts.push({ part_number: i + 1, etag: res.headers.get('etag') });
    }
    const done = await fetch(`${onS3.url}/api/2.0/mlflow-artifacts/mpu/complete/mpu/big.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'mpu/big.bin', upload_id: created.upload_id, parts }),
    });
    expect(await j(done)).toEqual({});
    const back = Buffer.from(
      await (await fetch(`${onS3.url}/api/2.0/mlflow-artifacts/artifacts/mpu/big.bin`)).arrayBuffer(),
    );
    expect(back.length).toBe(part1.length + 4);
    expect(back.subarray(-4).toString()).toBe('tail');
  });
});
