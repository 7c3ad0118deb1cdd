import { fromWireTags, type RegistryStore, toWireModelVersion, toWireRegisteredModel } from '@flowline/core';
import type { Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { apiRoute, repeated } from '../api-route.js';
import { cappedIntOf, required } from '../inputs.js';
import { registryOf } from '../plugins/handles.js';
import { RegistryRequests, RegistryResponses } from '../schemas.js';

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

const model = async (registry: RegistryStore, name: string) => ({
  registered_model: toWireRegisteredModel(await registry.getRegisteredModel(name)),
});
const ver = (input: { version?: string | number }) =>
  String(required(input.version === undefined ? undefined : String(input.version), 'version'));

/** MLflow's model-registry endpoints (`registered-models/*`, `model-versions/*`). */
export const registryRoutes = [
  apiRoute({
    method: 'POST',
    url: '/registered-models/create',
    schema: { request: RegistryRequests.createModel, response: RegistryResponses.model },
    handler: async (input, { server }) => ({
      registered_model: toWireRegisteredModel(
        await registryOf(server).createRegisteredModel({
          name: required(input.name, 'name'),
          description: input.description,
          tags: fromWireTags(input.tags),
        }),
      ),
    }),
  }),
  apiRoute({
    method: 'GET',
    url: '/registered-models/get',
    schema: { request: RegistryRequests.model, response: RegistryResponses.model },
    handler: async (input, { server }) => model(registryOf(server), required(input.name, 'name')),
  }),
  apiRoute({
    method: 'POST',
    url: '/registered-models/rename',
    schema: { request: RegistryRequests.renameModel, response: RegistryResponses.model },
    handler: async (input, { server }) => ({
      registered_model: toWireRegisteredModel(
        await registryOf(server).renameRegisteredModel(
          required(input.name, 'name'),
          required(input.new_name, 'new_name'),
        ),
      ),
    }),
  }),
  apiRoute({
    method: 'PATCH',
    url: '/registered-models/update',
    schema: { request: RegistryRequests.updateModel, response: RegistryResponses.model },
    handler: async (input, { server }) => ({
      registered_model: toWireRegisteredModel(
        await registryOf(server).updateRegisteredModel(required(input.name, 'name'), input.description ?? ''),
      ),
    }),
  }),
  apiRoute({
    method: 'DELETE',
    url: '/registered-models/delete',
    schema: { request: RegistryRequests.model, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).deleteRegisteredModel(required(input.name, 'name'));
      return {};
    },
  }),
  apiRoute({
    method: ['GET', 'POST'],
    url: '/registered-models/search',
    schema: { request: RegistryRequests.search, response: RegistryResponses.models },
    handler: async (input, request) => {
      const page = await registryOf(request.server).searchRegisteredModels(searchQuery(input, request, 1000));
      return {
        registered_models: repeated(page.items, toWireRegisteredModel),
        next_page_token: page.nextPageToken,
      };
    },
  }),
  apiRoute({
    method: ['POST', 'GET'],
    url: '/registered-models/get-latest-versions',
    schema: { request: RegistryRequests.latestVersions, response: RegistryResponses.latestVersions },
    handler: async (input, { server }) => {
      const versions = await registryOf(server).getLatestVersions(required(input.name, 'name'), input.stages);
      return { model_versions: repeated(versions, toWireModelVersion) };
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/registered-models/set-tag',
    schema: { request: RegistryRequests.setModelTag, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).setRegisteredModelTag(required(input.name, 'name'), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  }),
  apiRoute({
    method: 'DELETE',
    url: '/registered-models/delete-tag',
    schema: { request: RegistryRequests.deleteModelTag, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).deleteRegisteredModelTag(
        required(input.name, 'name'),
        required(input.key, 'key'),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/registered-models/alias',
    schema: { request: RegistryRequests.setAlias, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).setRegisteredModelAlias(
        required(input.name, 'name'),
        required(input.alias, 'alias'),
        ver(input),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'DELETE',
    url: '/registered-models/alias',
    schema: { request: RegistryRequests.alias, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).deleteRegisteredModelAlias(
        required(input.name, 'name'),
        required(input.alias, 'alias'),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'GET',
    url: '/registered-models/alias',
    schema: { request: RegistryRequests.alias, response: RegistryResponses.version },
    handler: async (input, { server }) => ({
      model_version: toWireModelVersion(
        await registryOf(server).getModelVersionByAlias(
          required(input.name, 'name'),
          required(input.alias, 'alias'),
        ),
      ),
    }),
  }),

  apiRoute({
    method: 'POST',
    url: '/model-versions/create',
    schema: { request: RegistryRequests.createVersion, response: RegistryResponses.version },
    handler: async (input, request) => ({
      model_version: toWireModelVersion(
        await registryOf(request.server).createModelVersion({
          name: required(input.name, 'name'),
          source: required(input.source, 'source'),
          runId: input.run_id || undefined,
          runLink: input.run_link,
          description: input.description,
          tags: fromWireTags(input.tags),
          userId: String(request.headers['x-mlflow-user'] ?? ''),
          ...(input.model_id ? { modelId: input.model_id } : {}),
        }),
      ),
    }),
  }),
  apiRoute({
    method: 'GET',
    url: '/model-versions/get',
    schema: { request: RegistryRequests.version, response: RegistryResponses.version },
    handler: async (input, { server }) => ({
      model_version: toWireModelVersion(
        await registryOf(server).getModelVersion(required(input.name, 'name'), ver(input)),
      ),
    }),
  }),
  apiRoute({
    method: 'PATCH',
    url: '/model-versions/update',
    schema: { request: RegistryRequests.updateVersion, response: RegistryResponses.version },
    handler: async (input, { server }) => ({
      model_version: toWireModelVersion(
        await registryOf(server).updateModelVersion(
          required(input.name, 'name'),
          ver(input),
          input.description ?? '',
        ),
      ),
    }),
  }),
  apiRoute({
    method: 'DELETE',
    url: '/model-versions/delete',
    schema: { request: RegistryRequests.version, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).deleteModelVersion(required(input.name, 'name'), ver(input));
      return {};
    },
  }),
  apiRoute({
    method: ['GET', 'POST'],
    url: '/model-versions/search',
    schema: { request: RegistryRequests.search, response: RegistryResponses.versions },
    handler: async (input, request) => {
      const page = await registryOf(request.server).searchModelVersions(searchQuery(input, request, 200_000));
      return {
        model_versions: repeated(page.items, toWireModelVersion),
        next_page_token: page.nextPageToken,
      };
    },
  }),
  apiRoute({
    method: 'GET',
    url: '/model-versions/get-download-uri',
    schema: { request: RegistryRequests.version, response: RegistryResponses.downloadUri },
    handler: async (input, { server }) => ({
      artifact_uri: await registryOf(server).getModelVersionDownloadUri(
        required(input.name, 'name'),
        ver(input),
      ),
    }),
  }),
  apiRoute({
    method: 'POST',
    url: '/model-versions/transition-stage',
    schema: { request: RegistryRequests.transitionStage, response: RegistryResponses.version },
    handler: async (input, { server }) => ({
      model_version: toWireModelVersion(
        await registryOf(server).transitionModelVersionStage(
          required(input.name, 'name'),
          ver(input),
          required(input.stage, 'stage'),
          truthy(input.archive_existing_versions),
        ),
      ),
    }),
  }),
  apiRoute({
    method: 'POST',
    url: '/model-versions/set-tag',
    schema: { request: RegistryRequests.setVersionTag, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).setModelVersionTag(required(input.name, 'name'), ver(input), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  }),
  apiRoute({
    method: 'DELETE',
    url: '/model-versions/delete-tag',
    schema: { request: RegistryRequests.deleteVersionTag, response: RegistryResponses.empty },
    handler: async (input, { server }) => {
      await registryOf(server).deleteModelVersionTag(
        required(input.name, 'name'),
        ver(input),
        required(input.key, 'key'),
      );
      return {};
    },
  }),
];
