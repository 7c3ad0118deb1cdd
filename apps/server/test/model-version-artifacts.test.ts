import { HOSTILE_PATHS, storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, memoryServer } from './helpers.js';
import { type StoreServer, storeServer } from './store-server.js';

const MLMODEL = 'artifact_path: model\nflavors: {}\n';
const PREFIXES = ['', '/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];

for (const target of storeTargets()) {
  for (const proxy of [false, true]) {
    describe(`model-versions/get-artifact (${target.name}, ${proxy ? 'proxied' : 'local'} artifacts)`, () => {
      let server: StoreServer;
      let runId: string;
      beforeAll(async () => {
        server = await storeServer(target, { proxy });
        runId = (await server.tracking.createRun({})).info.runId;
        for (const [path, body] of [
          ['model/MLmodel', MLMODEL],
          ['model/input_example.json', '{"inputs": [1]}'],
          ['model/sub/notes.txt', 'notes'],
        ] as const) {
          const res = await server.app.inject({
            method: 'POST',
            url: `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${path}`,
            payload: body,
          });
          expect(res.statusCode).toBe(200);
        }
        await server.registry.createRegisteredModel({ name: 'mv-model' });
        // Version 1 points at the run through runs:/, version 2 at the run's artifact URI itself.
        await server.registry.createModelVersion({ name: 'mv-model', source: `runs:/${runId}/model`, runId });
        const artifactUri = (await server.tracking.getRun(runId)).info.artifactUri;
        await server.registry.createModelVersion({ name: 'mv-model', source: `${artifactUri}/model`, runId });
      });
      afterAll(async () => server.close());

      it('downloads a version file at the root, as MLflow serves it, and under both API prefixes', async () => {
        for (const prefix of PREFIXES) {
          for (const version of ['1', '2']) {
            const url = `${prefix}/model-versions/get-artifact?name=mv-model&version=${version}&path=MLmodel`;
            const res = await call(server.app, 'GET', url);
            expect(res.status, url).toBe(200);
            expect(res.text).toBe(MLMODEL);
            expect(res.headers['content-disposition']).toBe('attachment; filename=MLmodel');
            expect(res.headers['x-content-type-options']).toBe('nosniff');
          }
        }
        const json = await call(
          server.app,
          'GET',
          '/model-versions/get-artifact?name=mv-model&version=1&path=input_example.json',
        );
        // MLflow serves JSON files as text, like every text format.
        expect(json.headers['content-type']).toBe('text/plain');
        expect(json.body).toEqual({ inputs: [1] });
        const nested = await call(
          server.app,
          'GET',
          '/model-versions/get-artifact?name=mv-model&version=2&path=sub/notes.txt',
        );
        expect(nested).toMatchObject({ status: 200, text: 'notes' });
        expect(nested.headers['content-type']).toMatch(/^text\/plain/);
      });

      it('refuses missing parameters and hostile paths with INVALID_PARAMETER_VALUE', async () => {
        for (const [query, field] of [
          ['version=1&path=MLmodel', 'name'],
          ['name=mv-model&path=MLmodel', 'version'],
          ['name=mv-model&version=1', 'path'],
        ]) {
          const res = await call(server.app, 'GET', `/model-versions/get-artifact?${query}`);
          expect(res.status, query).toBe(400);
          expect(res.body).toEqual({
            error_code: 'INVALID_PARAMETER_VALUE',
            message: expect.stringContaining(`Missing value for required parameter '${field}'`),
          });
        }
        for (const path of HOSTILE_PATHS) {
          const res = await call(
            server.app,
            'GET',
            `/model-versions/get-artifact?name=mv-model&version=1&path=${encodeURIComponent(path)}`,
          );
          expect(res.status, path).toBe(400);
          expect(res.body.message, path).toMatch(/^Invalid path/);
        }
      });

      it('answers a missing model, version or file with 404 RESOURCE_DOES_NOT_EXIST', async () => {
        for (const query of [
          'name=nope&version=1&path=MLmodel',
          'name=mv-model&version=9&path=MLmodel',
          'name=mv-model&version=1&path=missing.txt',
        ]) {
          const res = await call(server.app, 'GET', `/model-versions/get-artifact?${query}`);
          expect(res.status, query).toBe(404);
          expect(res.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
        }
      });
    });
  }
}

describe('model-versions/get-artifact without a registry', () => {
  it('says the server has no registry', async () => {
    const server = await memoryServer({ webRoot: null });
    try {
      const res = await call(server.app, 'GET', '/model-versions/get-artifact?name=m&version=1&path=MLmodel');
      expect(res).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
      expect(res.body.message).toMatch(/no model registry/);
    } finally {
      await server.close();
    }
  });
});
