import { Readable } from 'node:stream';
import {
  type ArtifactRepository,
  fromWireTags,
  MlflowError,
  MlflowTags,
  type Param,
  toWireRun,
} from '@flowline/core';
import { createMLModel, pythonJson, serializeMLmodel } from '@flowline/model-format';
import { Type } from '@sinclair/typebox';
import { apiRoute } from '../api-route.js';
import { repositoryFor } from '../artifact-access.js';
import { intOf } from '../inputs.js';
import { Responses } from '../schemas.js';

const Str = Type.Optional(Type.String());
const KeyValues = Type.Optional(
  Type.Array(Type.Object({ key: Type.Optional(Type.String()), value: Type.Optional(Type.Unknown()) })),
);

/** The body of `runs/create-promptlab-run` (MLflow's `create_promptlab_run_handler`). */
export const PromptlabRunRequest = Type.Object({
  experiment_id: Str,
  run_name: Str,
  tags: Type.Optional(Type.Array(Type.Object({ key: Str, value: Str }))),
  prompt_template: Str,
  prompt_parameters: KeyValues,
  model_route: Str,
  model_parameters: KeyValues,
  model_input: Str,
  model_output: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  model_output_parameters: KeyValues,
  mlflow_version: Str,
  user_id: Str,
  start_time: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })])),
});

/** The artifact MLflow's UI shows for a prompt-engineering run. */
export const EVAL_RESULTS_TABLE = 'eval_results_table.json';
const LOGGED_ARTIFACTS_TAG = 'mlflow.loggedArtifacts';
const RUN_SOURCE_TYPE_TAG = 'mlflow.runSourceType';

/** A value as Python's `str()` writes it, which MLflow applies to every parameter value. */
function pythonStr(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function params(list: Array<{ key?: string; value?: unknown }> | undefined): Param[] {
  return (list ?? []).map((p) => ({ key: p.key ?? '', value: pythonStr(p.value) }));
}

/** MLflow's check: a falsy field (missing, empty string or list) is refused by name. */
function mustSpecify<T>(name: string, value: T | undefined | null): T {
  if (!value || (Array.isArray(value) && value.length === 0))
    throw MlflowError.invalidParameterValue(`CreatePromptlabRun request must specify ${name}.`);
  return value;
}

async function write(repository: ArtifactRepository, path: string, text: string): Promise<void> {
  const data = Buffer.from(text, 'utf8');
  await repository.writeArtifact(path, Readable.from([data]), { size: data.length });
}

/**
 * `POST /ajax-api/2.0/mlflow/runs/create-promptlab-run`, as MLflow's `_create_promptlab_run_impl`: creates
 * the run, logs the model parameters with `model_route` and `prompt_template` as params, tags it as a
 * prompt-engineering run, records and writes the prompt model (`model/MLmodel`, `model/parameters.yaml`)
 * and the one-row evaluation table, then ends it FINISHED (FAILED if logging failed) and returns it.
 */
export const promptlabRoutes = [
  apiRoute({
    method: 'POST',
    url: '/runs/create-promptlab-run',
    schema: { request: PromptlabRunRequest, response: Responses.run },
    handler: async (input, request) => {
      const experimentId = mustSpecify('experiment_id', input.experiment_id);
      const promptTemplate = mustSpecify('prompt_template', input.prompt_template);
      const promptParameters = params(mustSpecify('prompt_parameters', input.prompt_parameters));
      const modelRoute = mustSpecify('model_route', input.model_route);
      const modelParameters = params(input.model_parameters);
      const modelInput = mustSpecify('model_input', input.model_input);
      const outputParameters = params(input.model_output_parameters);
      mustSpecify('mlflow_version', input.mlflow_version);
      const runName = input.run_name || undefined;

      const run = await request.server.store.createRun({
        experimentId,
        userId: input.user_id ?? 'unknown',
        startTime: intOf(input.start_time, 'start_time') ?? Date.now(),
        tags: fromWireTags(input.tags),
        runName,
      });
      const runId = run.info.runId;
      let status: 'FINISHED' | 'FAILED' = 'FINISHED';
      try {
        await request.server.store.logBatch(runId, {
          params: [
            ...modelParameters,
            { key: 'model_route', value: modelRoute },
            { key: 'prompt_template', value: promptTemplate },
          ],
          tags: [
            { key: LOGGED_ARTIFACTS_TAG, value: pythonJson([{ path: EVAL_RESULTS_TABLE, type: 'table' }]) },
            { key: RUN_SOURCE_TYPE_TAG, value: 'PROMPT_ENGINEERING' },
          ],
        });
        const model = createMLModel({
          artifactPath: 'model',
          runId,
          flavors: {},
        });
        // MLflow records the model in the run's history before saving it, so with no flavors yet. No
        // `mlflow_version`: MLflow's library did not write this model, so like Flowline's other models it has none.
        await request.server.store.setTag(runId, {
          key: MlflowTags.logModelHistory,
          value: pythonJson([
            {
              artifact_path: 'model',
              flavors: {},
              model_uuid: model.modelUuid,
              run_id: runId,
              utc_time_created: model.utcTimeCreated,
            },
          ]),
        });
        const repository = repositoryFor(request.server.artifacts, run.info.artifactUri);
        const string = (name: string) => ({ type: 'string' as const, name, required: true });
        model.flavors = {
          python_function: {
            loader_module: 'mlflow.prompt.promptlab_model',
            parameters_path: 'parameters.yaml',
          },
        };
        model.signature = {
          inputs: { kind: 'columns', columns: promptParameters.map((p) => string(p.key)) },
          outputs: { kind: 'columns', columns: [string('output')] },
        };
        await write(repository, 'model/MLmodel', serializeMLmodel(model));
        // JSON is YAML: PyYAML reads this flow mapping as MLflow's block-style parameters.yaml.
        const entries = (list: Param[]) => Object.fromEntries(list.map((p) => [p.key, p.value]));
        await write(
          repository,
          'model/parameters.yaml',
          `${pythonJson({
            model_parameters: entries(modelParameters),
            model_route: modelRoute,
            prompt_parameters: entries(promptParameters),
            prompt_template: promptTemplate,
          })}\n`,
        );
        await write(
          repository,
          EVAL_RESULTS_TABLE,
          pythonJson({
            columns: [
              ...promptParameters.map((p) => p.key),
              'prompt',
              'output',
              ...outputParameters.map((p) => p.key),
            ],
            data: [
              [
                ...promptParameters.map((p) => p.value),
                modelInput,
                input.model_output ?? null,
                ...outputParameters.map((p) => p.value),
              ],
            ],
          }),
        );
      } catch (error) {
        // As MLflow: the run is kept and marked FAILED rather than the request failing.
        request.log.warn({ err: error, runId }, 'promptlab run logging failed');
        status = 'FAILED';
      }
      await request.server.store.updateRunInfo(runId, { status, endTime: Date.now(), runName });
      return { run: toWireRun(await request.server.store.getRun(runId)) };
    },
  }),
];
