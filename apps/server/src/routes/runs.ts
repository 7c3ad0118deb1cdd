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
  type WireDatasetInput,
  type WireMetric,
} from '@flowline/core';
import type { FastifyInstance } from 'fastify';
import { cappedIntOf, intOf, required, runIdOf, viewTypeOf } from '../inputs.js';
import { endpoint, repeated } from '../route.js';
import { Requests, Responses } from '../schemas.js';

const STATUSES: Record<number, RunStatus> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};

/** MLflow's run endpoints: create, get, update, delete/restore, search and the logging calls. */
export async function runRoutes(app: FastifyInstance): Promise<void> {
  const store = app.store;

  endpoint(
    app,
    'POST',
    '/runs/create',
    { input: Requests.createRun, output: Responses.run },
    async (input) => ({
      run: toWireRun(
        await store.createRun({
          experimentId: input.experiment_id || undefined,
          userId: input.user_id,
          runName: input.run_name || undefined,
          startTime: intOf(input.start_time, 'start_time'),
          tags: fromWireTags(input.tags),
        }),
      ),
    }),
  );

  endpoint(app, 'GET', '/runs/get', { input: Requests.runId, output: Responses.run }, async (input) => ({
    run: toWireRun(await store.getRun(runIdOf(input))),
  }));

  endpoint(
    app,
    'POST',
    '/runs/update',
    { input: Requests.updateRun, output: Responses.runInfo },
    async (input) => {
      const status =
        typeof input.status === 'number' ? STATUSES[input.status] : (input.status as RunStatus | undefined);
      const info = await store.updateRunInfo(runIdOf(input), {
        status,
        endTime: intOf(input.end_time, 'end_time'),
        runName: input.run_name || undefined,
      });
      return { run_info: toWireRunInfo(info) };
    },
  );

  endpoint(app, 'POST', '/runs/delete', { input: Requests.runId, output: Responses.empty }, async (input) => {
    await store.deleteRun(runIdOf(input));
    return {};
  });

  endpoint(
    app,
    'POST',
    '/runs/restore',
    { input: Requests.runId, output: Responses.empty },
    async (input) => {
      await store.restoreRun(runIdOf(input));
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/search',
    { input: Requests.searchRuns, output: Responses.runs },
    async (input, request) => {
      const page = await store.searchRuns({
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
  );

  endpoint(
    app,
    'POST',
    '/runs/log-metric',
    { input: Requests.logMetric, output: Responses.empty },
    async (input) => {
      const runId = runIdOf(input);
      const timestamp = intOf(input.timestamp, 'timestamp');
      if (timestamp === undefined) required(undefined, 'timestamp');
      await store.logMetric(runId, {
        key: required(input.key, 'key'),
        value: fromWireNumber(input.value, 'value'),
        timestamp: timestamp as number,
        step: intOf(input.step, 'step') ?? 0,
      });
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/log-parameter',
    { input: Requests.logParam, output: Responses.empty },
    async (input) => {
      await store.logParam(runIdOf(input), { key: required(input.key, 'key'), value: input.value ?? '' });
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/set-tag',
    { input: Requests.setTag, output: Responses.empty },
    async (input) => {
      await store.setTag(runIdOf(input), { key: required(input.key, 'key'), value: input.value ?? '' });
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/delete-tag',
    { input: Requests.deleteTag, output: Responses.empty },
    async (input) => {
      await store.deleteTag(runIdOf(input), required(input.key, 'key'));
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/log-batch',
    { input: Requests.logBatch, output: Responses.empty },
    async (input) => {
      const metrics = (input.metrics ?? []).map((m, i) => {
        if (m.timestamp === undefined) required(undefined, `metrics[${i}].timestamp`);
        return fromWireMetric(m as WireMetric, i);
      });
      await store.logBatch(runIdOf(input), {
        metrics,
        params: fromWireTags(input.params),
        tags: fromWireTags(input.tags),
      });
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/log-inputs',
    { input: Requests.logInputs, output: Responses.empty },
    async (input) => {
      await store.logInputs(
        runIdOf(input),
        fromWireDatasetInputs(input.datasets as WireDatasetInput[] | undefined),
      );
      return {};
    },
  );

  endpoint(
    app,
    'POST',
    '/runs/log-model',
    { input: Requests.logModel, output: Responses.empty },
    async (input) => {
      const runId = runIdOf(input);
      const model = parseModelJson(required(input.model_json, 'model_json'));
      const run = await store.getRun(runId);
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
      await store.setTag(runId, { key: MlflowTags.logModelHistory, value: JSON.stringify(history) });
      return {};
    },
  );
}

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
