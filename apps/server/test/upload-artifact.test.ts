import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { HOSTILE_PATHS, storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './helpers.js';
import { type StoreServer, storeServer } from './store-server.js';

const UPLOAD = '/ajax-api/2.0/mlflow/upload-artifact';

/** Posts raw bytes, as MLflow's UI and `requests.post(data=...)` do (no content type unless given). */
async function upload(
  server: StoreServer,
  query: Record<string, string>,
  body?: string | Buffer,
  type?: string,
) {
  const res = await server.app.inject({
    method: 'POST',
    url: `${UPLOAD}?${new URLSearchParams(query)}`,
    ...(body === undefined ? {} : { payload: body }),
    headers: type ? { 'content-type': type } : {},
  });
  return { status: res.statusCode, text: res.body, headers: res.headers, json: () => JSON.parse(res.body) };
}

for (const target of storeTargets()) {
  for (const proxy of [false, true]) {
    describe(`upload-artifact (${target.name}, ${proxy ? 'proxied mlflow-artifacts:' : 'local'} run root)`, () => {
      let server: StoreServer;
      let runId: string;
      beforeAll(async () => {
        server = await storeServer(target, { proxy });
        const experimentId = await server.tracking.createExperiment({ name: 'upload_artifacts_test' });
        runId = (await server.tracking.createRun({ experimentId })).info.runId;
      });
      afterAll(async () => server.close());

      it('writes the body into the run and get-artifact reads it back (MLflow test_upload_artifact_handler)', async () => {
        const res = await upload(server, { run_uuid: runId, path: 'test.txt' }, 'hello world');
        expect(res.status).toBe(200);
        expect(res.text).toBe('');
        expect(res.headers['content-type']).toMatch(/application\/json/);
        const back = await call(server.app, 'GET', `/get-artifact?run_uuid=${runId}&path=test.txt`);
        expect(back.status).toBe(200);
        expect(back.text).toBe('hello world');
      });

      it('takes any content type, creates folders, and lists the file in the run', async () => {
        const bytes = Buffer.from([0, 1, 2, 255]);
        const res = await upload(
          server,
          { run_uuid: runId, path: 'nested/dir/data.bin' },
          bytes,
          'application/octet-stream',
        );
        expect(res.status).toBe(200);
        const json = await upload(
          server,
          { run_uuid: runId, path: 'conf.json' },
          '{"a":1}',
          'application/json',
        );
        expect(json.status).toBe(200);
        const listed = await call(
          server.app,
          'GET',
          `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=nested/dir`,
        );
        expect(listed.body.files).toEqual([{ path: 'nested/dir/data.bin', is_dir: false, file_size: 4 }]);
        const root = (await server.tracking.getRun(runId)).info.artifactUri;
        const local = proxy
          ? join(server.dir, 'proxy', root.replace('mlflow-artifacts:/', ''))
          : root.replace(/^file:\/\//, '');
        expect(await readFile(join(local, 'nested/dir/data.bin'))).toEqual(bytes);
        expect(await readFile(join(local, 'conf.json'), 'utf8')).toBe('{"a":1}');
      });

      it("refuses bad requests with MLflow's messages (test_upload_artifact_handler_rejects_invalid_requests)", async () => {
        const cases: Array<[Record<string, string>, string | undefined, string]> = [
          [{}, undefined, 'Request must specify run_uuid.'],
          [{ run_uuid: runId }, undefined, 'Request must specify path.'],
          [{ run_uuid: runId, path: '' }, undefined, 'Request must specify path.'],
          [{ run_uuid: runId, path: '../test.txt' }, undefined, 'Invalid path'],
          [{ run_uuid: runId, path: 'test.txt' }, undefined, 'Request must specify data.'],
          [{ run_uuid: runId, path: 'test.txt' }, '', 'Request must specify data.'],
        ];
        for (const [query, body, message] of cases) {
          const res = await upload(server, query, body);
          expect(res.status, JSON.stringify(query)).toBe(400);
          expect(res.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.any(String) });
          expect(res.json().message).toContain(message);
        }
      });

      it('refuses every hostile path before writing anything', async () => {
        const before = await readdir(server.dir, { recursive: true });
        for (const path of HOSTILE_PATHS) {
          const res = await upload(server, { run_uuid: runId, path }, 'x');
          expect(res.status, path).toBe(400);
          expect(res.json().message, path).toMatch(/^Invalid path/);
        }
        expect(await readdir(server.dir, { recursive: true })).toEqual(before);
      });

      it('refuses a body over 10 MB, and answers an unknown run with 404', async () => {
        const big = await upload(
          server,
          { run_uuid: runId, path: 'big.bin' },
          Buffer.alloc(10 * 1024 * 1024 + 1),
        );
        expect(big.status).toBe(400);
        expect(big.json().message).toBe('Artifact size is too large. Max size is 10MB.');
        const unknown = await upload(server, { run_uuid: 'f'.repeat(32), path: 'x.txt' }, 'x');
        expect(unknown.status).toBe(404);
        expect(unknown.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      });

      it('answers an oversized streamed upload over a real socket without reading it all', async () => {
        const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = new URL(url);
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: `${UPLOAD}?run_uuid=${runId}&path=huge.bin`,
              headers: { 'transfer-encoding': 'chunked' },
            },
            (res) => {
              let text = '';
              res.on('data', (c) => {
                text += c;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          // The server may close while chunks are still going out; only the answer matters.
          req.on('error', (error) =>
            error.message.includes('EPIPE') || /reset/i.test(error.message) ? undefined : reject(error),
          );
          const chunk = Buffer.alloc(1024 * 1024);
          for (let i = 0; i < 12; i++) req.write(chunk);
          req.end();
        });
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.text).message).toBe('Artifact size is too large. Max size is 10MB.');
      });

      it('is served under /ajax-api only, as in MLflow', async () => {
        const res = await upload(server, {}, 'x');
        expect(res.status).toBe(400);
        const api = await server.app.inject({
          method: 'POST',
          url: '/api/2.0/mlflow/upload-artifact',
          payload: 'x',
        });
        expect(api.statusCode).toBe(404);
        expect(JSON.parse(api.body).error_code).toBe('ENDPOINT_NOT_FOUND');
      });
    });
  }
}
