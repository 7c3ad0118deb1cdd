import {
  fromWireTags,
  MlflowError,
  type RegistryStore,
  toWireModelVersion,
  toWireRegisteredModel,
} from '@flowline/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { intOf, required } from '../inputs.js';
import { endpoint } from '../route.js';

const S = Type.Optional(Type.String());
const Version = Type.Optional(Type.Union([Type.String(), Type.Integer()]));
const Tags = Type.Optional(Type.Array(Type.Object({ key: S, value: S })));
const Strings = Type.Optional(Type.Array(Type.String()));
const Bool = Type.Optional(Type.Union([Type.Boolean(), Type.String()]));
const Out = Type.Any();
const Search = Type.Object({
  filter: S,
  max_results: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  order_by: Strings,
  page_token: S,
});

const truthy = (v: unknown) => v === true || v === 'true';

/** MLflow's model-registry endpoints (`registered-models/*`, `model-versions/*`). */
export async function registryRoutes(
  app: FastifyInstance,
  options: { registry: RegistryStore | null },
): Promise<void> {
  const registry = (): RegistryStore => {
    if (!options.registry)
      throw MlflowError.invalidParameterValue('This server has no model registry store configured.');
    return options.registry;
  };
  const model = async (name: string) => ({
    registered_model: toWireRegisteredModel(await registry().getRegisteredModel(name)),
  });
  const ver = (input: { version?: string | number }) =>
    String(required(input.version === undefined ? undefined : String(input.version), 'version'));

  endpoint(
    app,
    'POST',
    '/registered-models/create',
    { input: Type.Object({ name: S, tags: Tags, description: S }), output: Out },
    async (input) => ({
      registered_model: toWireRegisteredModel(
        await registry().createRegisteredModel({
          name: required(input.name, 'name'),
          description: input.description,
          tags: fromWireTags(input.tags),
        }),
      ),
    }),
  );
  endpoint(
    app,
    'GET',
    '/registered-models/get',
    { input: Type.Object({ name: S }), output: Out },
    async (input) => model(required(input.name, 'name')),
  );
  endpoint(
    app,
    'POST',
    '/registered-models/rename',
    { input: Type.Object({ name: S, new_name: S }), output: Out },
    async (input) => ({
      registered_model: toWireRegisteredModel(
        await registry().renameRegisteredModel(
          required(input.name, 'name'),
          required(input.new_name, 'new_name'),
        ),
      ),
    }),
  );
  endpoint(
    app,
    'PATCH',
    '/registered-models/update',
    { input: Type.Object({ name: S, description: S }), output: Out },
    async (input) => ({
      registered_model: toWireRegisteredModel(
        await registry().updateRegisteredModel(required(input.name, 'name'), input.description ?? ''),
      ),
    }),
  );
  endpoint(
    app,
    'DELETE',
    '/registered-models/delete',
    { input: Type.Object({ name: S }), output: Out },
    async (input) => {
      await registry().deleteRegisteredModel(required(input.name, 'name'));
      return {};
    },
  );
  endpoint(
    app,
    ['GET', 'POST'],
    '/registered-models/search',
    { input: Search, output: Out },
    async (input) => {
      const page = await registry().searchRegisteredModels({
        filter: input.filter,
        maxResults: intOf(input.max_results, 'max_results'),
        orderBy: input.order_by,
        pageToken: input.page_token || undefined,
      });
      return {
        registered_models: page.items.length > 0 ? page.items.map(toWireRegisteredModel) : undefined,
        next_page_token: page.nextPageToken,
      };
    },
  );
  endpoint(
    app,
    ['POST', 'GET'],
    '/registered-models/get-latest-versions',
    { input: Type.Object({ name: S, stages: Strings }), output: Out },
    async (input) => {
      const versions = await registry().getLatestVersions(required(input.name, 'name'), input.stages);
      return { model_versions: versions.length > 0 ? versions.map(toWireModelVersion) : undefined };
    },
  );
  endpoint(
    app,
    'POST',
    '/registered-models/set-tag',
    { input: Type.Object({ name: S, key: S, value: S }), output: Out },
    async (input) => {
      await registry().setRegisteredModelTag(required(input.name, 'name'), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  );
  endpoint(
    app,
    'DELETE',
    '/registered-models/delete-tag',
    { input: Type.Object({ name: S, key: S }), output: Out },
    async (input) => {
      await registry().deleteRegisteredModelTag(required(input.name, 'name'), required(input.key, 'key'));
      return {};
    },
  );
  endpoint(
    app,
    'POST',
    '/registered-models/alias',
    { input: Type.Object({ name: S, alias: S, version: Version }), output: Out },
    async (input) => {
      await registry().setRegisteredModelAlias(
        required(input.name, 'name'),
        required(input.alias, 'alias'),
        ver(input),
      );
      return {};
    },
  );
  endpoint(
    app,
    'DELETE',
    '/registered-models/alias',
    { input: Type.Object({ name: S, alias: S }), output: Out },
    async (input) => {
      await registry().deleteRegisteredModelAlias(
        required(input.name, 'name'),
        required(input.alias, 'alias'),
      );
      return {};
    },
  );
  endpoint(
    app,
    'GET',
    '/registered-models/alias',
    { input: Type.Object({ name: S, alias: S }), output: Out },
    async (input) => ({
      model_version: toWireModelVersion(
        await registry().getModelVersionByAlias(required(input.name, 'name'), required(input.alias, 'alias')),
      ),
    }),
  );

  endpoint(
    app,
    'POST',
    '/model-versions/create',
    {
      input: Type.Object({ name: S, source: S, run_id: S, tags: Tags, run_link: S, description: S }),
      output: Out,
    },
    async (input, request) => ({
      model_version: toWireModelVersion(
        await registry().createModelVersion({
          name: required(input.name, 'name'),
          source: required(input.source, 'source'),
          runId: input.run_id || undefined,
          runLink: input.run_link,
          description: input.description,
          tags: fromWireTags(input.tags),
          userId: String(request.headers['x-mlflow-user'] ?? ''),
        }),
      ),
    }),
  );
  endpoint(
    app,
    'GET',
    '/model-versions/get',
    { input: Type.Object({ name: S, version: Version }), output: Out },
    async (input) => ({
      model_version: toWireModelVersion(
        await registry().getModelVersion(required(input.name, 'name'), ver(input)),
      ),
    }),
  );
  endpoint(
    app,
    'PATCH',
    '/model-versions/update',
    { input: Type.Object({ name: S, version: Version, description: S }), output: Out },
    async (input) => ({
      model_version: toWireModelVersion(
        await registry().updateModelVersion(
          required(input.name, 'name'),
          ver(input),
          input.description ?? '',
        ),
      ),
    }),
  );
  endpoint(
    app,
    'DELETE',
    '/model-versions/delete',
    { input: Type.Object({ name: S, version: Version }), output: Out },
    async (input) => {
      await registry().deleteModelVersion(required(input.name, 'name'), ver(input));
      return {};
    },
  );
  endpoint(app, ['GET', 'POST'], '/model-versions/search', { input: Search, output: Out }, async (input) => {
    const page = await registry().searchModelVersions({
      filter: input.filter,
      maxResults: intOf(input.max_results, 'max_results'),
      orderBy: input.order_by,
      pageToken: input.page_token || undefined,
    });
    return {
      model_versions: page.items.length > 0 ? page.items.map(toWireModelVersion) : undefined,
      next_page_token: page.nextPageToken,
    };
  });
  endpoint(
    app,
    'GET',
    '/model-versions/get-download-uri',
    { input: Type.Object({ name: S, version: Version }), output: Out },
    async (input) => ({
      artifact_uri: await registry().getModelVersionDownloadUri(required(input.name, 'name'), ver(input)),
    }),
  );
  endpoint(
    app,
    'POST',
    '/model-versions/transition-stage',
    {
      input: Type.Object({ name: S, version: Version, stage: S, archive_existing_versions: Bool }),
      output: Out,
    },
    async (input) => ({
      model_version: toWireModelVersion(
        await registry().transitionModelVersionStage(
          required(input.name, 'name'),
          ver(input),
          required(input.stage, 'stage'),
          truthy(input.archive_existing_versions),
        ),
      ),
    }),
  );
  endpoint(
    app,
    'POST',
    '/model-versions/set-tag',
    { input: Type.Object({ name: S, version: Version, key: S, value: S }), output: Out },
    async (input) => {
      await registry().setModelVersionTag(required(input.name, 'name'), ver(input), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  );
  endpoint(
    app,
    'DELETE',
    '/model-versions/delete-tag',
    { input: Type.Object({ name: S, version: Version, key: S }), output: Out },
    async (input) => {
      await registry().deleteModelVersionTag(
        required(input.name, 'name'),
        ver(input),
        required(input.key, 'key'),
      );
      return {};
    },
  );
}
