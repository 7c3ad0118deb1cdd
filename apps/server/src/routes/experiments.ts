import { fromWireTags, MlflowError, toWireExperiment } from '@flowline/core';
import type { FastifyInstance } from 'fastify';
import { intOf, required, viewTypeOf } from '../inputs.js';
import { endpoint, repeated } from '../route.js';
import { Requests, Responses } from '../schemas.js';

/** MLflow's experiment endpoints. */
export async function experimentRoutes(app: FastifyInstance): Promise<void> {
  const store = app.store;

  endpoint(
    app,
    'POST',
    '/experiments/create',
    { input: Requests.createExperiment, output: Responses.createExperiment },
    async (input) => ({
      experiment_id: await store.createExperiment({
        name: required(input.name, 'name'),
        artifactLocation: input.artifact_location || undefined,
        tags: fromWireTags(input.tags),
      }),
    }),
  );

  endpoint(
    app,
    'GET',
    '/experiments/get',
    { input: Requests.experimentId, output: Responses.experiment },
    async (input) => ({
      experiment: toWireExperiment(await store.getExperiment(required(input.experiment_id, 'experiment_id'))),
    }),
  );

  endpoint(
    app,
    'GET',
    '/experiments/get-by-name',
    { input: Requests.getByName, output: Responses.experiment },
    async (input) => {
      const name = required(input.experiment_name, 'experiment_name');
      const experiment = await store.getExperimentByName(name);
      if (!experiment)
        throw MlflowError.resourceDoesNotExist(`Could not find experiment with name '${name}'`);
      return { experiment: toWireExperiment(experiment) };
    },
  );

  endpoint(
    app,
    ['POST', 'GET'],
    '/experiments/search',
    { input: Requests.searchExperiments, output: Responses.experiments },
    async (input) => {
      const page = await store.searchExperiments({
        maxResults: intOf(input.max_results, 'max_results'),
        pageToken: input.page_token || undefined,
        filter: input.filter,
        orderBy: input.order_by,
        viewType: viewTypeOf(input.view_type),
      });
      return {
        experiments: repeated(page.items, toWireExperiment),
        next_page_token: page.nextPageToken,
      };
    },
  );

  // Pre-2.0 route, still called by the `mlflow` npm client; answers like search with view_type only.
  endpoint(
    app,
    'GET',
    '/experiments/list',
    { input: Requests.searchExperiments, output: Responses.experiments },
    async (input) => {
      const page = await store.searchExperiments({
        viewType: viewTypeOf(input.view_type),
        maxResults: 50_000,
      });
      return { experiments: repeated(page.items, toWireExperiment) };
    },
  );

  endpoint(
    app,
    'POST',
    '/experiments/update',
    { input: Requests.updateExperiment, output: Responses.empty },
    async (input) => {
      await store.renameExperiment(
        required(input.experiment_id, 'experiment_id'),
        required(input.new_name, 'new_name'),
      );
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/experiments/delete',
    { input: Requests.experimentId, output: Responses.empty },
    async (input) => {
      await store.deleteExperiment(required(input.experiment_id, 'experiment_id'));
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/experiments/restore',
    { input: Requests.experimentId, output: Responses.empty },
    async (input) => {
      await store.restoreExperiment(required(input.experiment_id, 'experiment_id'));
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/experiments/set-experiment-tag',
    { input: Requests.setExperimentTag, output: Responses.empty },
    async (input) => {
      await store.setExperimentTag(required(input.experiment_id, 'experiment_id'), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/experiments/delete-experiment-tag',
    { input: Requests.deleteExperimentTag, output: Responses.empty },
    async (input) => {
      await store.deleteExperimentTag(
        required(input.experiment_id, 'experiment_id'),
        required(input.key, 'key'),
      );
      return {};
    },
  );
}
