import {
  fromWireTags,
  MlflowError,
  type RegistryStore,
  toWireModelVersion,
  toWireRegisteredModel,
} from '@flowline/core';
import type { FastifyInstance } from 'fastify';
import { intOf, required } from '../inputs.js';
import { endpoint } from '../route.js';
import { RegistryRequests, Untyped } from '../schemas.js';

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
    { input: RegistryRequests.createModel, output: Untyped },
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
    { input: RegistryRequests.model, output: Untyped },
    async (input) => model(required(input.name, 'name')),
  );
  endpoint(
    app,
    'POST',
    '/registered-models/rename',
    { input: RegistryRequests.renameModel, output: Untyped },
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
    { input: RegistryRequests.updateModel, output: Untyped },
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
    { input: RegistryRequests.model, output: Untyped },
    async (input) => {
      await registry().deleteRegisteredModel(required(input.name, 'name'));
      return {};
    },
  );
  endpoint(
    app,
    ['GET', 'POST'],
    '/registered-models/search',
    { input: RegistryRequests.search, output: Untyped },
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
    { input: RegistryRequests.latestVersions, output: Untyped },
    async (input) => {
      const versions = await registry().getLatestVersions(required(input.name, 'name'), input.stages);
      return { model_versions: versions.length > 0 ? versions.map(toWireModelVersion) : undefined };
    },
  );
  endpoint(
    app,
    'POST',
    '/registered-models/set-tag',
    { input: RegistryRequests.setModelTag, output: Untyped },
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
    { input: RegistryRequests.deleteModelTag, output: Untyped },
    async (input) => {
      await registry().deleteRegisteredModelTag(required(input.name, 'name'), required(input.key, 'key'));
      return {};
    },
  );
  endpoint(
    app,
    'POST',
    '/registered-models/alias',
    { input: RegistryRequests.setAlias, output: Untyped },
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
    { input: RegistryRequests.alias, output: Untyped },
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
    { input: RegistryRequests.alias, output: Untyped },
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
      input: RegistryRequests.createVersion,
      output: Untyped,
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
    { input: RegistryRequests.version, output: Untyped },
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
    { input: RegistryRequests.updateVersion, output: Untyped },
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
    { input: RegistryRequests.version, output: Untyped },
    async (input) => {
      await registry().deleteModelVersion(required(input.name, 'name'), ver(input));
      return {};
    },
  );
  endpoint(
    app,
    ['GET', 'POST'],
    '/model-versions/search',
    { input: RegistryRequests.search, output: Untyped },
    async (input) => {
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
    },
  );
  endpoint(
    app,
    'GET',
    '/model-versions/get-download-uri',
    { input: RegistryRequests.version, output: Untyped },
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
      output: Untyped,
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
    { input: RegistryRequests.setVersionTag, output: Untyped },
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
    { input: RegistryRequests.deleteVersionTag, output: Untyped },
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
