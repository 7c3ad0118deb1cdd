import { type ModelVersion, toWireModelVersion, toWireRegisteredModel } from '@flowline/core';
import type { TObject } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIXES } from '../src/build-server.js';
import { registeredSchemas } from '../src/route.js';
import { ROUTE_SCHEMAS } from '../src/route-schemas.js';
import { ArtifactResponses, ModelVersionOut, RegisteredModelOut, RegistryResponses } from '../src/schemas.js';
import { memoryServer } from './helpers.js';

let server: Awaited<ReturnType<typeof memoryServer>>;
beforeAll(async () => {
  server = await memoryServer({ webRoot: null });
});
afterAll(async () => server.close());

describe('ROUTE_SCHEMAS', () => {
  it('lists the very schemas each endpoint is registered with, under both API prefixes', () => {
    const routes = registeredSchemas(server.app);
    for (const [key, schemas] of Object.entries(ROUTE_SCHEMAS)) {
      const [verb, path] = key.split(' ');
      for (const prefix of API_PREFIXES) {
        const route = routes.get(`${verb} ${prefix}${path}`);
        expect(route, `${verb} ${prefix}${path} is registered`).toBeDefined();
        expect(route?.input, `${key} input`).toBe(schemas.input);
        expect(route?.output, `${key} output`).toBe(schemas.output);
      }
    }
  });

  it('finds a drift: a key whose route uses other schemas', () => {
    const routes = registeredSchemas(server.app);
    expect(routes.get('GET /ajax-api/2.0/mlflow/runs/get')?.input).not.toBe(
      ROUTE_SCHEMAS['POST /runs/search'].input,
    );
    expect(routes.size).toBeGreaterThan(Object.keys(ROUTE_SCHEMAS).length);
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
