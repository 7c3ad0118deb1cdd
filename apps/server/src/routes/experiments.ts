import { fromWireTags, MlflowError, toWireExperiment } from '@flowline/core';
import { apiRoute, repeated } from '../api-route.js';
import { intOf, required, viewTypeOf } from '../inputs.js';
import { Requests, Responses } from '../schemas.js';

/** MLflow's experiment endpoints. */
export const experimentRoutes = [
  apiRoute({
    method: 'POST',
    url: '/experiments/create',
    schema: { request: Requests.createExperiment, response: Responses.createExperiment },
    handler: async (input, { server }) => ({
      experiment_id: await server.store.createExperiment({
        name: required(input.name, 'name'),
        artifactLocation: input.artifact_location || undefined,
        tags: fromWireTags(input.tags),
      }),
    }),
  }),
  apiRoute({
    method: 'GET',
    url: '/experiments/get',
    schema: { request: Requests.experimentId, response: Responses.experiment },
    handler: async (input, { server }) => ({
      experiment: toWireExperiment(
        await server.store.getExperiment(required(input.experiment_id, 'experiment_id')),
      ),
    }),
  }),
  apiRoute({
    method: 'GET',
    url: '/experiments/get-by-name',
    schema: { request: Requests.getByName, response: Responses.experiment },
    handler: async (input, { server }) => {
      const name = required(input.experiment_name, 'experiment_name');
      const experiment = await server.store.getExperimentByName(name);
      if (!experiment)
        throw MlflowError.resourceDoesNotExist(`Could not find experiment with name '${name}'`);
      return { experiment: toWireExperiment(experiment) };
    },
  }),
  apiRoute({
    method: ['POST', 'GET'],
    url: '/experiments/search',
    schema: { request: Requests.searchExperiments, response: Responses.experiments },
    handler: async (input, { server }) => {
      const page = await server.store.searchExperiments({
        maxResults: intOf(input.max_results, 'max_results'),
        pageToken: input.page_token || undefined,
        filter: input.filter,
        orderBy: input.order_by,
        viewType: viewTypeOf(input.view_type),
      });
      return { experiments: repeated(page.items, toWireExperiment), next_page_token: page.nextPageToken };
    },
  }),
  // Pre-2.0 route, still called by the `mlflow` npm client; answers like search with view_type only.
  apiRoute({
    method: 'GET',
    url: '/experiments/list',
    schema: { request: Requests.searchExperiments, response: Responses.experiments },
    handler: async (input, { server }) => {
      const page = await server.store.searchExperiments({
        viewType: viewTypeOf(input.view_type),
        maxResults: 50_000,
      });
      return { experiments: repeated(page.items, toWireExperiment) };
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/experiments/update',
    schema: { request: Requests.updateExperiment, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.renameExperiment(
        required(input.experiment_id, 'experiment_id'),
        required(input.new_name, 'new_name'),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/experiments/delete',
    schema: { request: Requests.experimentId, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.deleteExperiment(required(input.experiment_id, 'experiment_id'));
      return {};
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/experiments/restore',
    schema: { request: Requests.experimentId, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.restoreExperiment(required(input.experiment_id, 'experiment_id'));
      return {};
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/experiments/set-experiment-tag',
    schema: { request: Requests.setExperimentTag, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.setExperimentTag(required(input.experiment_id, 'experiment_id'), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/experiments/delete-experiment-tag',
    schema: { request: Requests.deleteExperimentTag, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.deleteExperimentTag(
        required(input.experiment_id, 'experiment_id'),
        required(input.key, 'key'),
      );
      return {};
    },
  }),
];
