import { MlflowError, toWireDatasetSummary, toWireMetric, toWireMetricWithRunId } from '@flowline/core';
import { apiRoute, repeated } from '../api-route.js';
import { intOf, required, runIdOf } from '../inputs.js';
import { Requests, Responses } from '../schemas.js';

/** Metric history endpoints, and the dataset summary MLflow's UI uses. */
export const metricRoutes = [
  apiRoute({
    method: 'GET',
    url: '/metrics/get-history',
    schema: { request: Requests.getHistory, response: Responses.metrics },
    handler: async (input, { server }) => {
      const page = await server.store.getMetricHistory(
        runIdOf(input),
        required(input.metric_key, 'metric_key'),
        {
          maxResults: intOf(input.max_results, 'max_results'),
          pageToken: input.page_token || undefined,
        },
      );
      return {
        metrics: repeated(page.items, toWireMetric),
        next_page_token: page.nextPageToken,
      };
    },
  }),

  apiRoute({
    method: 'GET',
    url: '/metrics/get-history-bulk-interval',
    schema: { request: Requests.bulkInterval, response: Responses.metrics },
    handler: async (input, { server }) => {
      const metrics = await server.store.getMetricHistoryBulkInterval({
        runIds: input.run_ids ?? [],
        metricKey: required(input.metric_key, 'metric_key'),
        startStep: intOf(input.start_step, 'start_step'),
        endStep: intOf(input.end_step, 'end_step'),
        maxResults: intOf(input.max_results, 'max_results'),
      });
      return { metrics: repeated(metrics, toWireMetricWithRunId) };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/experiments/search-datasets',
    schema: { request: Requests.searchDatasets, response: Responses.datasets },
    handler: async (input, { server }) => {
      const summaries = await server.store.searchDatasets(input.experiment_ids ?? []);
      return { dataset_summaries: repeated(summaries, toWireDatasetSummary) };
    },
  }),
];

/** `GET /ajax-api/2.0/mlflow/metrics/get-history-bulk` (ajax-api only): whole histories of one metric for up to 100 runs. */
export const ajaxMetricRoutes = [
  apiRoute({
    method: 'GET',
    url: '/metrics/get-history-bulk',
    schema: { request: Requests.bulkHistory, response: Responses.metrics },
    handler: async (input, { server }) => {
      const runIds = input.run_id ?? [];
      if (runIds.length === 0)
        throw MlflowError.invalidParameterValue(
          'GetMetricHistoryBulk request must specify at least one run_id.',
        );
      if (runIds.length > 100) {
        throw MlflowError.invalidParameterValue(
          `GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const key = required(input.metric_key, 'metric_key');
      const limit = Math.min(intOf(input.max_results, 'max_results') ?? 25_000, 25_000);
      const out = [];
      for (const runId of [...runIds].sort()) {
        const page = await server.store.getMetricHistory(runId, key);
        for (const m of page.items) {
          if (out.length >= limit) break;
          out.push(toWireMetricWithRunId({ ...m, runId }));
        }
      }
      return { metrics: repeated(out) };
    },
  }),
];
