import { type ModelVersion, toWireModelVersion, toWireRegisteredModel } from '@flowline/core';
import type { TObject } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verbsOf } from '../../src/api-route.js';
import { API_AREAS, ROUTE_SCHEMAS } from '../../src/routes/api-areas.js';
import {
  ArtifactResponses,
  ModelVersionOut,
  RegisteredModelOut,
  RegistryResponses,
} from '../../src/schemas.js';
import { memoryServer } from '../helpers.js';

let server: Awaited<ReturnType<typeof memoryServer>>;
beforeAll(async () => {
  server = await memoryServer({ webRoot: null });
});
afterAll(async () => server.close());

describe('API_AREAS', () => {
  it('is what the server serves: every route of every area under each of its prefixes', () => {
    let count = 0;
    for (const [name, area] of Object.entries(API_AREAS)) {
      for (const route of area.routes) {
        for (const verb of verbsOf(route)) {
          for (const prefix of area.prefixes) {
            const url = `${prefix}${route.url}`;
            expect(server.app.hasRoute({ method: verb, url }), `${name}: ${verb} ${url}`).toBe(true);
            count++;
          }
        }
      }
    }
    expect(count).toBeGreaterThan(100);
    // The ajax-only areas are not on the public API.
    expect(server.app.hasRoute({ method: 'GET', url: '/api/2.0/mlflow/metrics/get-history-bulk' })).toBe(
      false,
    );
  });

  it('gives ROUTE_SCHEMAS the very schema objects each route was declared with', () => {
    const search = API_AREAS.runs.routes.find((r) => r.url === '/runs/search');
    expect(ROUTE_SCHEMAS['POST /runs/search'].input).toBe(search?.schema.request);
    expect(ROUTE_SCHEMAS['POST /runs/search'].output).toBe(search?.schema.response);
    // Routes served on GET and POST get a key per verb, with the same schemas.
    expect(ROUTE_SCHEMAS['GET /experiments/search']).toEqual(ROUTE_SCHEMAS['POST /experiments/search']);
    expect(Object.keys(ROUTE_SCHEMAS)).toEqual(
      expect.arrayContaining(['GET /metrics/get-history-bulk', 'POST /runs/create-promptlab-run']),
    );
  });
});

describe('registry and artifact response schemas', () => {
  // fastify's serializer drops what a response schema does not list, so each must name every wire field.
  const version: ModelVersion = {
    name: 'm',
    version: '1',
    creationTimestamp: 1,
    lastUpdatedTimestamp: 2,
    userId: 'u',
    currentStage: 'Staging',
    description: 'd',
    source: 's',
    runId: 'r',
    status: 'READY',
    statusMessage: 'ok',
    runLink: 'l',
    tags: [{ key: 'k', value: 'v' }],
    aliases: ['a'],
    modelId: 'm-0123456789abcdef0123456789abcdef',
  };
  const keys = (schema: TObject) => Object.keys(schema.properties).sort();

  it('list every field core maps a fully set model version and registered model to', () => {
    const wireVersion = toWireModelVersion(version);
    expect(Object.values(wireVersion)).not.toContain(undefined);
    expect(keys(ModelVersionOut)).toEqual(expect.arrayContaining(Object.keys(wireVersion)));
    const wireModel = toWireRegisteredModel({
      name: 'm',
      creationTimestamp: 1,
      lastUpdatedTimestamp: 2,
      description: 'd',
      latestVersions: [version],
      tags: [{ key: 'k', value: 'v' }],
      aliases: [{ alias: 'a', version: '1' }],
    });
    expect(Object.values(wireModel)).not.toContain(undefined);
    expect(keys(RegisteredModelOut)).toEqual(expect.arrayContaining(Object.keys(wireModel)));
  });

  it("follow MLflow's protos: ModelVersion, RegisteredModel, FileInfo and the list responses", () => {
    expect(keys(ModelVersionOut)).toEqual(
      [
        'name',
        'version',
        'creation_timestamp',
        'last_updated_timestamp',
        'user_id',
        'current_stage',
        'description',
        'source',
        'run_id',
        'status',
        'status_message',
        'tags',
        'run_link',
        'aliases',
        // MLflow 3: the logged model a version was made from.
        'model_id',
      ].sort(),
    );
    expect(keys(RegisteredModelOut)).toEqual(
      [
        'name',
        'creation_timestamp',
        'last_updated_timestamp',
        'user_id',
        'description',
        'latest_versions',
        'tags',
        'aliases',
      ].sort(),
    );
    expect(keys(RegistryResponses.models)).toEqual(['next_page_token', 'registered_models']);
    expect(keys(RegistryResponses.versions)).toEqual(['model_versions', 'next_page_token']);
    expect(keys(ArtifactResponses.list)).toEqual(['files', 'next_page_token', 'root_uri']);
    const file = ArtifactResponses.list.properties.files.items;
    expect(keys(file)).toEqual(['file_size', 'is_dir', 'path']);
    // Only what the mappers always send is required: an optional field left unset is omitted, not an error.
    expect(ModelVersionOut.required?.sort()).toEqual(['current_stage', 'name', 'status', 'version']);
    expect(RegisteredModelOut.required).toEqual(['name']);
    expect(file.required?.sort()).toEqual(['is_dir', 'path']);
    expect(keys(RegistryResponses.empty)).toEqual([]);
  });

  it('are what ROUTE_SCHEMAS lists for the registry and artifact routes the UI calls', () => {
    expect(ROUTE_SCHEMAS['GET /registered-models/get'].output).toBe(RegistryResponses.model);
    expect(ROUTE_SCHEMAS['GET /registered-models/search'].output).toBe(RegistryResponses.models);
    expect(ROUTE_SCHEMAS['GET /model-versions/search'].output).toBe(RegistryResponses.versions);
    expect(ROUTE_SCHEMAS['GET /model-versions/get'].output).toBe(RegistryResponses.version);
    expect(ROUTE_SCHEMAS['GET /artifacts/list'].output).toBe(ArtifactResponses.list);
    for (const [key, { output }] of Object.entries(ROUTE_SCHEMAS)) {
      expect(output.type, `${key} declares an object response`).toBe('object');
    }
  });
});
