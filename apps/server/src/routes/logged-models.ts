import { normalizeArtifactPath } from '@flowline/artifact-store';
import { ErrorCode, MlflowError } from '@flowline/core';
import type { FastifyRequest } from 'fastify';
import { apiRoute, repeated } from '../api-route.js';
import { repositoryFor } from '../artifact-access.js';
import { intOf, required, runIdOf } from '../inputs.js';
import { LoggedModelRequests, LoggedModelResponses } from './logged-models-schemas.js';
import { loggedModelStatusOf, loggedModelStoreOf, toWireLoggedModel } from './logged-models-wire.js';
import { mapOfPairs } from './traces-wire.js';

// MLflow 3's logged-model REST API (service.proto's `/mlflow/logged-models…` endpoints, served under 2.0
// as their `since` says), answered as MLflow's handlers answer: the model id is the path's, the bodies are
// proto JSON with unset fields left out, and the store's refusals carry MLflow's messages.

const models = (request: FastifyRequest) => loggedModelStoreOf(request.server.store);
const modelIdOf = (request: FastifyRequest): string =>
  required((request.params as { model_id?: string }).model_id, 'model_id');

/** Searches whose every experiment the caller may not read (the auth rule narrowed them to none). */
const nothingReadable = new WeakSet<FastifyRequest>();

/**
 * Marks a search whose `experiment_ids` the auth layer emptied: it answers no models, as MLflow's search
 * filtered after the fact would, instead of the handler's "missing experiment_ids".
 */
export function markNothingReadable(request: FastifyRequest): void {
  nothingReadable.add(request);
}

/** A store that also records run outputs (MLflow's `log_outputs`). */
interface RunOutputStore {
  logOutputs(runId: string, models: { modelId: string; step: number }[]): Promise<void>;
}

export const loggedModelRoutes = [
  apiRoute({
    method: 'POST',
    url: '/logged-models',
    schema: { request: LoggedModelRequests.create, response: LoggedModelResponses.model },
    handler: async (input, request) => {
      const model = await models(request).createLoggedModel({
        experimentId: required(input.experiment_id, 'experiment_id'),
        // As MLflow's handler: an empty name is no name (one is generated).
        name: input.name || undefined,
        modelType: input.model_type,
        sourceRunId: input.source_run_id,
        params: mapOfPairs(input.params, 'params'),
        tags: mapOfPairs(input.tags, 'tags'),
      });
      return { model: toWireLoggedModel(model) };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/logged-models/search',
    schema: { request: LoggedModelRequests.search, response: LoggedModelResponses.search },
    handler: async (input, request) => {
      const experimentIds = input.experiment_ids ?? [];
      if (experimentIds.length === 0) {
        if (nothingReadable.has(request)) return {};
        required(undefined, 'experiment_ids');
      }
      const page = await models(request).searchLoggedModels({
        experimentIds,
        filter: input.filter || undefined,
        datasets: input.datasets?.map((d) => ({
          // The store refuses a missing dataset_name with MLflow's message.
          datasetName: d.dataset_name as string,
          datasetDigest: d.dataset_digest || undefined,
        })),
        orderBy: input.order_by?.map((o) => ({
          fieldName: required(o.field_name, 'order_by.field_name'),
          ascending: o.ascending ?? true,
          datasetName: o.dataset_name || undefined,
          datasetDigest: o.dataset_digest || undefined,
        })),
        // 0 is proto's unset: the store's default applies.
        maxResults: intOf(input.max_results, 'max_results') || undefined,
        pageToken: input.page_token || undefined,
      });
      return { models: repeated(page.items, toWireLoggedModel), next_page_token: page.nextPageToken };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/logged-models/:model_id',
    schema: { request: LoggedModelRequests.get, response: LoggedModelResponses.model },
    handler: async (input, request) => {
      // As MLflow's handler: only the text "true" (any case) allows a deleted model.
      const allowDeleted = String(input.allow_deleted ?? 'false').toLowerCase() === 'true';
      const model = await models(request).getLoggedModel(modelIdOf(request), { allowDeleted });
      return { model: toWireLoggedModel(model) };
    },
  }),

  apiRoute({
    method: 'PATCH',
    url: '/logged-models/:model_id',
    schema: { request: LoggedModelRequests.finalize, response: LoggedModelResponses.model },
    handler: async (input, request) => {
      if (input.status === undefined) required(undefined, 'status');
      const status = loggedModelStatusOf(input.status as string | number);
      const model = await models(request).finalizeLoggedModel(modelIdOf(request), status);
      return { model: toWireLoggedModel(model) };
    },
  }),

  apiRoute({
    method: 'DELETE',
    url: '/logged-models/:model_id',
    schema: { request: LoggedModelRequests.none, response: LoggedModelResponses.empty },
    handler: async (_input, request) => {
      await models(request).deleteLoggedModel(modelIdOf(request));
      return {};
    },
  }),

  apiRoute({
    method: 'PATCH',
    url: '/logged-models/:model_id/tags',
    schema: { request: LoggedModelRequests.setTags, response: LoggedModelResponses.empty },
    handler: async (input, request) => {
      await models(request).setLoggedModelTags(modelIdOf(request), mapOfPairs(input.tags, 'tags') ?? {});
      return {};
    },
  }),

  apiRoute({
    method: 'DELETE',
    url: '/logged-models/:model_id/tags/:tag_key',
    schema: { request: LoggedModelRequests.none, response: LoggedModelResponses.empty },
    handler: async (_input, request) => {
      const key = required((request.params as { tag_key?: string }).tag_key, 'tag_key');
      await models(request).deleteLoggedModelTag(modelIdOf(request), key);
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/logged-models/:model_id/params',
    schema: { request: LoggedModelRequests.logParams, response: LoggedModelResponses.empty },
    handler: async (input, request) => {
      await models(request).logLoggedModelParams(
        modelIdOf(request),
        mapOfPairs(input.params, 'params') ?? {},
      );
      return {};
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/logged-models/:model_id/artifacts/directories',
    schema: { request: LoggedModelRequests.listArtifacts, response: LoggedModelResponses.artifacts },
    handler: async (input, request) => {
      const model = await models(request).getLoggedModel(modelIdOf(request));
      // The path is checked as MLflow's validate_path_is_safe does (no `..`, not absolute).
      const path = input.artifact_directory_path ? normalizeArtifactPath(input.artifact_directory_path) : '';
      const files = await repositoryFor(request.server.artifacts, model.artifactLocation).listArtifacts(path);
      return {
        root_uri: model.artifactLocation,
        files: repeated(files, (f) => ({
          path: f.path,
          is_dir: f.isDir,
          ...(f.isDir ? {} : { file_size: f.fileSize }),
        })),
      };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/outputs',
    schema: { request: LoggedModelRequests.logOutputs, response: LoggedModelResponses.empty },
    handler: async (input, request) => {
      const runId = runIdOf(input);
      const outputs = (input.models ?? []).map((m, i) => ({
        modelId: required(m.model_id, `models[${i}].model_id`),
        step: intOf(m.step, `models[${i}].step`) ?? 0,
      }));
      const store = request.server.store as Partial<RunOutputStore>;
      if (typeof store.logOutputs !== 'function') {
        // A client mistake is still answered as one (an unknown run is 404) before the store's gap.
        await request.server.store.getRun(runId);
        throw new MlflowError(
          ErrorCode.NOT_IMPLEMENTED,
          'This tracking store does not record run outputs. Serve a SQL tracking store (sqlite:// or postgresql://) to use runs/outputs.',
        );
      }
      await store.logOutputs(runId, outputs);
      return {};
    },
  }),
];
