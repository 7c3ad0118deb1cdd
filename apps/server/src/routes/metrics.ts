import { MlflowError, toWireDatasetSummary, toWireMetric, toWireMetricWithRunId } from '@flowline/core';
import type { FastifyInstance } from 'fastify';
import { intOf, required, runIdOf } from '../inputs.js';
import { endpoint, repeated } from '../route.js';
import { Requests, Responses } from '../schemas.js';

/** Metric history endpoints, and the dataset summary MLflow's UI uses. */
export async function metricRoutes(app: FastifyInstance): Promise<void> {
  const store = app.store;

  endpoint(
    app,
    'GET',
    '/metrics/get-history',
    { input: Requests.getHistory, output: Responses.metrics },
    async (input) => {
      const page = await store.getMetricHistory(runIdOf(input), required(input.metric_key, 'metric_key'), {
        maxResults: intOf(input.max_results, 'max_results'),
        pageToken: input.page_token || undefined,
      });
      return {
        metrics: repeated(page.items, toWireMetric),
        next_page_token: page.nextPageToken,
      };
    },
  );

  endpoint(
    app,
    'GET',
    '/metrics/get-history-bulk-interval',
    { input: Requests.bulkInterval, output: Responses.metrics },
    async (input) => {
      const metrics = await store.getMetricHistoryBulkInterval({
        runIds: input.run_ids ?? [],
        metricKey: required(input.metric_key, 'metric_key'),
        startStep: intOf(input.start_step, 'start_step'),
        endStep: intOf(input.end_step, 'end_step'),
        maxResults: intOf(input.max_results, 'max_results'),
      });
      return { metrics: repeated(metrics, toWireMetricWithRunId) };
    },
  );

  endpoint(
    app,
    'POST',
    '/experiments/search-datasets',
    { input: Requests.searchDatasets, output: Responses.datasets },
    async (input) => {
      const summaries = await store.searchDatasets(input.experiment_ids ?? []);
      return { dataset_summaries: repeated(summaries, toWireDatasetSummary) };
    },
  );
}

/** `GET /ajax-api/2.0/mlflow/metrics/get-history-bulk`: whole histories of one metric for up to 100 runs. */
export async function bulkHistoryRoute(app: FastifyInstance): Promise<void> {
  const store = app.store;
  endpoint(
    app,
    'GET',
    '/metrics/get-history-bulk',
    { input: Requests.bulkHistory, output: Responses.metrics },
    async (input) => {
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
        const page = await store.getMetricHistory(runId, key);
        for (const m of page.items) {
          if (out.length >= limit) break;
          out.push(toWireMetricWithRunId({ ...m, runId }));
        }
      }
      return { metrics: repeated(out) };
    },
  );
}
