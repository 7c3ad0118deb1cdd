import {
  fromWireTags,
  MlflowError,
  type ModelVersion,
  type RegisteredModel,
  type RegistryStore,
  toWireModelVersion,
  toWireRegisteredModel,
} from '@flowline/core';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cappedIntOf, required } from '../inputs.js';
import { endpoint, repeated } from '../route.js';
import {
  type ModelVersionOut,
  type RegisteredModelOut,
  RegistryRequests,
  RegistryResponses,
} from '../schemas.js';

// Core's mappers build exactly the shapes of these schemas; core knows no schema, so it types them loosely.
const wireModel = (m: RegisteredModel) => toWireRegisteredModel(m) as Static<typeof RegisteredModelOut>;
const wireVersion = (v: ModelVersion) => toWireModelVersion(v) as Static<typeof ModelVersionOut>;

const truthy = (v: unknown) => v === true || v === 'true';

/** The store query of a registered-models or model-versions search request. */
const searchQuery = (
  input: Static<typeof RegistryRequests.search>,
  request: FastifyRequest,
  cap: number,
) => ({
  filter: input.filter,
  maxResults: cappedIntOf(request, input.max_results, 'max_results', cap),
  orderBy: input.order_by,
  pageToken: input.page_token || undefined,
});

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
    registered_model: wireModel(await registry().getRegisteredModel(name)),
  });
  const ver = (input: { version?: string | number }) =>
    String(required(input.version === undefined ? undefined : String(input.version), 'version'));

  endpoint(
    app,
    'POST',
    '/registered-models/create',
    { input: RegistryRequests.createModel, output: RegistryResponses.model },
    async (input) => ({
      registered_model: wireModel(
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
    { input: RegistryRequests.model, output: RegistryResponses.model },
    async (input) => model(required(input.name, 'name')),
  );
  endpoint(
    app,
    'POST',
    '/registered-models/rename',
    { input: RegistryRequests.renameModel, output: RegistryResponses.model },
    async (input) => ({
      registered_model: wireModel(
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
    { input: RegistryRequests.updateModel, output: RegistryResponses.model },
    async (input) => ({
      registered_model: wireModel(
        await registry().updateRegisteredModel(required(input.name, 'name'), input.description ?? ''),
      ),
    }),
  );
  endpoint(
    app,
    'DELETE',
    '/registered-models/delete',
    { input: RegistryRequests.model, output: RegistryResponses.empty },
    async (input) => {
      await registry().deleteRegisteredModel(required(input.name, 'name'));
      return {};
    },
  );
  endpoint(
    app,
    ['GET', 'POST'],
    '/registered-models/search',
    { input: RegistryRequests.search, output: RegistryResponses.models },
    async (input, request) => {
      const page = await registry().searchRegisteredModels(searchQuery(input, request, 1000));
      return {
        registered_models: repeated(page.items, wireModel),
        next_page_token: page.nextPageToken,
      };
    },
  );
  endpoint(
    app,
    ['POST', 'GET'],
    '/registered-models/get-latest-versions',
    { input: RegistryRequests.latestVersions, output: RegistryResponses.latestVersions },
    async (input) => {
      const versions = await registry().getLatestVersions(required(input.name, 'name'), input.stages);
      return { model_versions: repeated(versions, wireVersion) };
    },
  );
  endpoint(
    app,
    'POST',
    '/registered-models/set-tag',
    { input: RegistryRequests.setModelTag, output: RegistryResponses.empty },
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
    { input: RegistryRequests.deleteModelTag, output: RegistryResponses.empty },
    async (input) => {
      await registry().deleteRegisteredModelTag(required(input.name, 'name'), required(input.key, 'key'));
      return {};
    },
  );
  endpoint(
    app,
    'POST',
    '/registered-models/alias',
    { input: RegistryRequests.setAlias, output: RegistryResponses.empty },
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
    { input: RegistryRequests.alias, output: RegistryResponses.empty },
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
    { input: RegistryRequests.alias, output: RegistryResponses.version },
    async (input) => ({
      model_version: wireVersion(
        await registry().getModelVersionByAlias(required(input.name, 'name'), required(input.alias, 'alias')),
      ),
    }),
  );

  endpoint(
    app,
    'POST',
    '/model-versions/create',
    {
      input: RegistryRequests.createVersion,
      output: RegistryResponses.version,
    },
    async (input, request) => ({
      model_version: wireVersion(
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
    { input: RegistryRequests.version, output: RegistryResponses.version },
    async (input) => ({
      model_version: wireVersion(await registry().getModelVersion(required(input.name, 'name'), ver(input))),
    }),
  );
  endpoint(
    app,
    'PATCH',
    '/model-versions/update',
    { input: RegistryRequests.updateVersion, output: RegistryResponses.version },
    async (input) => ({
      model_version: wireVersion(
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
    { input: RegistryRequests.version, output: RegistryResponses.empty },
    async (input) => {
      await registry().deleteModelVersion(required(input.name, 'name'), ver(input));
      return {};
    },
  );
  endpoint(
    app,
    ['GET', 'POST'],
    '/model-versions/search',
    { input: RegistryRequests.search, output: RegistryResponses.versions },
    async (input, request) => {
      const page = await registry().searchModelVersions(searchQuery(input, request, 200_000));
      return {
        model_versions: repeated(page.items, wireVersion),
        next_page_token: page.nextPageToken,
      };
    },
  );
  endpoint(
    app,
    'GET',
    '/model-versions/get-download-uri',
    { input: RegistryRequests.version, output: RegistryResponses.downloadUri },
    async (input) => ({
      artifact_uri: await registry().getModelVersionDownloadUri(required(input.name, 'name'), ver(input)),
    }),
  );
  endpoint(
    app,
    'POST',
    '/model-versions/transition-stage',
    {
      input: RegistryRequests.transitionStage,
      output: RegistryResponses.version,
    },
    async (input) => ({
      model_version: wireVersion(
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
    { input: RegistryRequests.setVersionTag, output: RegistryResponses.empty },
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
    { input: RegistryRequests.deleteVersionTag, output: RegistryResponses.empty },
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
