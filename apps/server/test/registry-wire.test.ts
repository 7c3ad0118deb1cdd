import { toWireModelVersion, toWireRegisteredModel } from '@flowline/core';
import { SqlRegistryStore } from '@flowline/registry';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/index.js';
import { call } from './helpers.js';

const API = '/api/2.0/mlflow';
let app: FastifyInstance;
let tracking: SqlTrackingStore;
let registry: SqlRegistryStore;
let runId: string;
beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const uri = `sqlite:///${await mkdtemp(`${tmpdir()}/flowline-registry-wire-`)}/mlflow.db`;
  tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  registry = await SqlRegistryStore.open(uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  app = await buildServer({ store: tracking, registry });
  runId = (await tracking.createRun({})).info.runId;
});
afterAll(async () => {
  await app.close();
  await registry.close();
  await tracking.close();
});

describe('model registry over the REST API', () => {
  it('creates a model and versions, and returns MLflow-shaped JSON', async () => {
    const created = await call(app, 'POST', `${API}/registered-models/create`, {
      name: 'wire-model',
      tags: [{ key: 'team', value: 'ml' }],
      description: 'd',
    });
    expect(created.body).toEqual({
      registered_model: {
        name: 'wire-model',
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        description: 'd',
        tags: [{ key: 'team', value: 'ml' }],
      },
    });
    const dup = await call(app, 'POST', `${API}/registered-models/create`, { name: 'wire-model' });
    expect(dup).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const v1 = await call(app, 'POST', `${API}/model-versions/create`, {
      name: 'wire-model',
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    expect(v1.body.model_version).toMatchObject({
      name: 'wire-model',
      version: '1',
      current_stage: 'None',
      status: 'READY',
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    const got = await call(app, 'GET', `${API}/model-versions/get?name=wire-model&version=1`);
    expect(got.body.model_version.version).toBe('1');
    const missing = await call(app, 'GET', `${API}/registered-models/get?name=nope`);
    expect(missing).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('transitions stages, manages aliases and tags, and lists latest versions', async () => {
    await call(app, 'POST', `${API}/model-versions/create`, {
      name: 'wire-model',
      source: `runs:/${runId}/model`,
      run_id: runId,
    });
    const staged = await call(app, 'POST', `${API}/model-versions/transition-stage`, {
      name: 'wire-model',
      version: '2',
      stage: 'production',
      archive_existing_versions: true,
    });
    expect(staged.body.model_version.current_stage).toBe('Production');
    expect(
      (
        await call(app, 'POST', `${API}/registered-models/alias`, {
          name: 'wire-model',
          alias: 'champion',
          version: '2',
        })
      ).body,
    ).toEqual({});
    const byAlias = await call(app, 'GET', `${API}/registered-models/alias?name=wire-model&alias=champion`);
    expect(byAlias.body.model_version).toMatchObject({ version: '2', aliases: ['champion'] });
    const latest = await call(app, 'POST', `${API}/registered-models/get-latest-versions`, {
      name: 'wire-model',
      stages: ['Production'],
    });
    expect(latest.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    expect(
      (
        await call(app, 'POST', `${API}/model-versions/set-tag`, {
          name: 'wire-model',
          version: '2',
          key: 'k',
          value: 'v',
        })
      ).body,
    ).toEqual({});
    expect(
      (
        await call(app, 'DELETE', `${API}/model-versions/delete-tag`, {
          name: 'wire-model',
          version: '2',
          key: 'k',
        })
      ).body,
    ).toEqual({});
    expect(
      (await call(app, 'DELETE', `${API}/registered-models/alias`, { name: 'wire-model', alias: 'champion' }))
        .body,
    ).toEqual({});
    const uri = await call(app, 'GET', `${API}/model-versions/get-download-uri?name=wire-model&version=2`);
    expect(uri.body).toEqual({ artifact_uri: `runs:/${runId}/model` });
    const model = await call(app, 'GET', `${API}/registered-models/get?name=wire-model`);
    expect(model.body.registered_model.latest_versions.map((v: { version: string }) => v.version)).toEqual([
      '1',
      '2',
    ]);
  });

  it('searches, renames, updates and deletes', async () => {
    const search = await call(
      app,
      'GET',
      `${API}/registered-models/search?filter=${encodeURIComponent("name LIKE 'wire-%'")}`,
    );
    expect(search.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['wire-model']);
    const versions = await call(
      app,
      'GET',
      `${API}/model-versions/search?filter=${encodeURIComponent("name = 'wire-model'")}`,
    );
    expect(versions.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2', '1']);
    const renamed = await call(app, 'POST', `${API}/registered-models/rename`, {
      name: 'wire-model',
      new_name: 'wire-renamed',
    });
    expect(renamed.body.registered_model.name).toBe('wire-renamed');
    const updated = await call(app, 'PATCH', `${API}/model-versions/update`, {
      name: 'wire-renamed',
      version: '1',
      description: 'first',
    });
    expect(updated.body.model_version.description).toBe('first');
    expect(
      (await call(app, 'DELETE', `${API}/model-versions/delete`, { name: 'wire-renamed', version: '1' }))
        .body,
    ).toEqual({});
    expect(
      (await call(app, 'DELETE', `${API}/registered-models/delete`, { name: 'wire-renamed' })).body,
    ).toEqual({});
    const none = await call(app, 'GET', `${API}/registered-models/search`);
    expect(none.body).toEqual({});
  });

  it('loses no field through the response schemas: every field the store has reaches the client', async () => {
    await call(app, 'POST', `${API}/registered-models/create`, {
      name: 'full',
      tags: [{ key: 'team', value: 'ml' }],
      description: 'a model',
    });
    const created = await call(
      app,
      'POST',
      `${API}/model-versions/create`,
      {
        name: 'full',
        source: `runs:/${runId}/model`,
        run_id: runId,
        run_link: 'http://elsewhere/#/runs/1',
        description: 'a version',
        tags: [{ key: 'k', value: 'v' }],
      },
      { 'x-mlflow-user': 'ada' },
    );
    expect(created.status).toBe(200);
    await call(app, 'POST', `${API}/registered-models/alias`, {
      name: 'full',
      alias: 'champion',
      version: '1',
    });
    await call(app, 'POST', `${API}/model-versions/transition-stage`, {
      name: 'full',
      version: '1',
      stage: 'Staging',
    });
    await call(app, 'POST', `${API}/model-versions/create`, { name: 'full', source: `runs:/${runId}/m2` });
    await call(app, 'POST', `${API}/registered-models/create`, { name: 'full2' });
    // What the handlers hand to the serializer, as plain JSON: the schema must keep all of it.
    const json = (v: unknown) => JSON.parse(JSON.stringify(v));
    const version = json(toWireModelVersion(await registry.getModelVersion('full', '1')));
    const model = json(toWireRegisteredModel(await registry.getRegisteredModel('full')));
    expect(Object.keys(version)).toEqual(
      expect.arrayContaining(['user_id', 'run_link', 'description', 'tags', 'aliases', 'run_id', 'source']),
    );
    expect(Object.keys(model)).toEqual(
      expect.arrayContaining(['description', 'tags', 'aliases', 'latest_versions']),
    );
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      expect((await call(app, 'GET', `${prefix}/model-versions/get?name=full&version=1`)).body).toEqual({
        model_version: version,
      });
      expect((await call(app, 'GET', `${prefix}/registered-models/get?name=full`)).body).toEqual({
        registered_model: model,
      });
      expect(
        (await call(app, 'GET', `${prefix}/registered-models/alias?name=full&alias=champion`)).body,
      ).toEqual({ model_version: version });
      const search = await call(
        app,
        'GET',
        `${prefix}/model-versions/search?max_results=1&filter=${encodeURIComponent("name = 'full'")}`,
      );
      expect(search.body).toEqual({
        model_versions: [expect.anything()],
        next_page_token: expect.any(String),
      });
      const first = await registry.getModelVersion('full', search.body.model_versions[0].version);
      expect(search.body.model_versions).toEqual([json(toWireModelVersion(first))]);
      const models = await call(
        app,
        'GET',
        `${prefix}/registered-models/search?max_results=1&order_by=name&filter=${encodeURIComponent("name LIKE 'full%'")}`,
      );
      expect(models.body).toEqual({ registered_models: [model], next_page_token: expect.any(String) });
    }
    await call(app, 'DELETE', `${API}/registered-models/delete`, { name: 'full' });
    await call(app, 'DELETE', `${API}/registered-models/delete`, { name: 'full2' });
  });

  it('refuses bad stages, aliases, versions and sources with 400', async () => {
    await call(app, 'POST', `${API}/registered-models/create`, { name: 'strict' });
    for (const [method, path, body] of [
      ['POST', '/model-versions/create', { name: 'strict', source: '/etc/passwd', run_id: runId }],
      ['POST', '/model-versions/create', { name: 'strict', source: `runs:/${runId}/../x` }],
      ['POST', '/model-versions/create', { name: 'strict' }],
      ['POST', '/model-versions/transition-stage', { name: 'strict', version: 'x', stage: 'Production' }],
      ['POST', '/registered-models/alias', { name: 'strict', alias: 'latest', version: '1' }],
    ] as const) {
      const res = await call(app, method, API + path, body);
      expect({ path, status: res.status, code: res.body.error_code }).toEqual({
        path,
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      });
    }
  });

  it("caps search sizes in MLflow's handler words, and parses strict body types", async () => {
    const docs = ' See the API docs for more information about request parameters.';
    const models = await call(app, 'GET', `${API}/registered-models/search?max_results=1001`);
    expect(models.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `Invalid value "1001" for parameter 'max_results' supplied:  Hint: Value was of type 'str'.${docs}`,
    });
    const versions = await call(app, 'POST', `${API}/model-versions/search`, { max_results: 200001 });
    expect(versions.body.message).toBe(
      `Invalid value 200001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'.${docs}`,
    );
    expect((await call(app, 'GET', `${API}/model-versions/search?max_results=200000`)).status).toBe(200);
    const wrong = await call(app, 'POST', `${API}/registered-models/create`, { name: 7 });
    expect(wrong.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `Invalid value 7 for parameter 'name' supplied:  Hint: Value was of type 'int'.${docs}`,
    });
    // MLflow answers a file: source on another host with a 500 naming the problem.
    await call(app, 'POST', `${API}/registered-models/create`, { name: 'remote-file' });
    const remote = await call(app, 'POST', `${API}/model-versions/create`, {
      name: 'remote-file',
      source: 'file://123.45.67.89/path/to/source',
      run_id: runId,
    });
    expect(remote.status).toBe(500);
    expect(remote.body.message).toMatch(/is not a valid remote uri/);
    // A remote source is stored as given, for a run the server does not know.
    const stored = await call(app, 'POST', `${API}/model-versions/create`, {
      name: 'remote-file',
      source: 'runs:/run_id/model',
      run_id: 'run_id_1',
    });
    expect(stored.body.model_version).toMatchObject({ source: 'runs:/run_id/model', run_id: 'run_id_1' });
  });
});
