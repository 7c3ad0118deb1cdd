import {
  fromWireDatasetInputs,
  fromWireMetric,
  fromWireNumber,
  fromWireTags,
  Limits,
  MlflowError,
  MlflowTags,
  type RunStatus,
  toWireRun,
  toWireRunInfo,
} from '@flowline/core';
import { apiRoute, repeated } from '../api-route.js';
import { cappedIntOf, intOf, required, runIdOf, viewTypeOf } from '../inputs.js';
import { Requests, Responses } from '../schemas.js';

const STATUSES: Record<number, RunStatus> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};

/** A metric's logged model and dataset (MLflow 3), when it names them; empty strings are proto's unset. */
function modelScopeOf(m: { model_id?: string; dataset_name?: string; dataset_digest?: string }) {
  return {
    ...(m.model_id ? { modelId: m.model_id } : {}),
    ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
    ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
  };
}

/** MLflow's run endpoints: create, get, update, delete/restore, search and the logging calls. */
export const runRoutes = [
  apiRoute({
    method: 'POST',
    url: '/runs/create',
    schema: { request: Requests.createRun, response: Responses.run },
    handler: async (input, { server }) => ({
      run: toWireRun(
        await server.store.createRun({
          experimentId: input.experiment_id || undefined,
          userId: input.user_id,
          runName: input.run_name || undefined,
          startTime: intOf(input.start_time, 'start_time'),
          tags: fromWireTags(input.tags),
        }),
      ),
    }),
  }),

  apiRoute({
    method: 'GET',
    url: '/runs/get',
    schema: { request: Requests.runId, response: Responses.run },
    handler: async (input, { server }) => ({
      run: toWireRun(await server.store.getRun(runIdOf(input))),
    }),
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/update',
    schema: { request: Requests.updateRun, response: Responses.runInfo },
    handler: async (input, { server }) => {
      const status = typeof input.status === 'number' ? STATUSES[input.status] : input.status;
      const info = await server.store.updateRunInfo(runIdOf(input), {
        status,
        endTime: intOf(input.end_time, 'end_time'),
        runName: input.run_name || undefined,
      });
      return { run_info: toWireRunInfo(info) };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/delete',
    schema: { request: Requests.runId, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.deleteRun(runIdOf(input));
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/restore',
    schema: { request: Requests.runId, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.restoreRun(runIdOf(input));
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/search',
    schema: { request: Requests.searchRuns, response: Responses.runs },
    handler: async (input, request) => {
      const page = await request.server.store.searchRuns({
        experimentIds: input.experiment_ids ?? [],
        filter: input.filter,
        runViewType: viewTypeOf(input.run_view_type),
        maxResults: cappedIntOf(request, input.max_results, 'max_results', Limits.maxSearchRunsResults),
        orderBy: input.order_by,
        pageToken: input.page_token || undefined,
      });
      return {
        runs: repeated(page.items, toWireRun),
        next_page_token: page.nextPageToken,
      };
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/log-metric',
    schema: { request: Requests.logMetric, response: Responses.empty },
    handler: async (input, { server }) => {
      const runId = runIdOf(input);
      const timestamp = intOf(input.timestamp, 'timestamp');
      if (timestamp === undefined) required(undefined, 'timestamp');
      await server.store.logMetric(runId, {
        key: required(input.key, 'key'),
        value: fromWireNumber(input.value, 'value'),
        timestamp: timestamp as number,
        step: intOf(input.step, 'step') ?? 0,
        ...modelScopeOf(input),
      });
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/log-parameter',
    schema: { request: Requests.logParam, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.logParam(runIdOf(input), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/set-tag',
    schema: { request: Requests.setTag, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.setTag(runIdOf(input), {
        key: required(input.key, 'key'),
        value: input.value ?? '',
      });
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/delete-tag',
    schema: { request: Requests.deleteTag, response: Responses.empty },
    handler: async (input, { server }) => {
      await server.store.deleteTag(runIdOf(input), required(input.key, 'key'));
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/log-batch',
    schema: { request: Requests.logBatch, response: Responses.empty },
    handler: async (input, { server }) => {
      const metrics = (input.metrics ?? []).map((m, i) => {
        if (m.timestamp === undefined) required(undefined, `metrics[${i}].timestamp`);
        return { ...fromWireMetric(m, i), ...modelScopeOf(m) };
      });
      await server.store.logBatch(runIdOf(input), {
        metrics,
        params: fromWireTags(input.params),
        tags: fromWireTags(input.tags),
      });
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/log-inputs',
    schema: { request: Requests.logInputs, response: Responses.empty },
    handler: async (input, { server }) => {
      // MLflow 3's `models` (logged models the run used) go with the datasets; a store refuses unknown ones.
      const models = input.models?.map((m, i) => ({
        modelId: required(m.model_id, `models[${i}].model_id`),
      }));
      await server.store.logInputs(runIdOf(input), fromWireDatasetInputs(input.datasets), models);
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/runs/log-model',
    schema: { request: Requests.logModel, response: Responses.empty },
    handler: async (input, { server }) => {
      const runId = runIdOf(input);
      const model = parseModelJson(required(input.model_json, 'model_json'));
      const run = await server.store.getRun(runId);
      const current = run.data.tags.find((t) => t.key === MlflowTags.logModelHistory)?.value;
      const history: unknown[] = current ? safeJsonArray(current) : [];
      const { flavors, ...rest } = model;
      // As MLflow: the history keeps each model's metadata with its flavors, minus each flavor's config.
      const slimFlavors = Object.fromEntries(
        Object.entries((flavors as Record<string, Record<string, unknown>>) ?? {}).map(([name, flavor]) => {
          const { config: _config, ...kept } = flavor ?? {};
          return [name, kept];
        }),
      );
      history.push({ ...rest, flavors: slimFlavors });
      await server.store.setTag(runId, { key: MlflowTags.logModelHistory, value: JSON.stringify(history) });
      return {};
    },
  }),
];

function safeJsonArray(text: string): unknown[] {
  try {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function parseModelJson(text: string): Record<string, unknown> {
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch (cause) {
    throw MlflowError.invalidParameterValue(`model_json is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof model !== 'object' || model === null || Array.isArray(model)) {
    throw MlflowError.invalidParameterValue(
      'model_json must be a JSON object describing the model (MLmodel as JSON).',
    );
  }
  for (const field of ['artifact_path', 'flavors', 'utc_time_created', 'run_id']) {
    if (!(field in model)) {
      throw MlflowError.invalidParameterValue(`Model json is missing mandatory fields: ['${field}'].`);
    }
  }
  return model as Record<string, unknown>;
}
