import {
  type Dataset,
  type FileInfo,
  MlflowError,
  MlflowTags,
  type ModelScopedMetric,
  type ModelVersion,
  type TransferOptions,
  validateMetric,
} from '@flowline/core';
import { openArtifactRepository, runArtifactRepository } from './artifacts.js';
import {
  type DownloadRequest,
  dictText,
  downloadArtifacts,
  pngBytes,
  writeBytes,
} from './tracker-artifacts.js';
import { RunTracker } from './tracker-core.js';
import {
  type LogModelOptions,
  logModelToRun,
  type ModelInfo,
  modelFormat,
  registerModelVersion,
} from './tracker-models.js';
import { type LogMetricOptions, type ModelToLog, type ParamValue, stringify } from './tracker-options.js';

export type { LogMetricOptions, ModelToLog, StartRunOptions, TrackerOptions } from './tracker-options.js';

/** The model-scoped fields of a metric point (MLflow 3's `model_id`, `dataset_name`, `dataset_digest`). */
function modelScope(options: LogMetricOptions): Partial<ModelScopedMetric> {
  if (!options.modelId) return {};
  return {
    modelId: options.modelId,
    ...(options.dataset?.name ? { datasetName: options.dataset.name } : {}),
    ...(options.dataset?.digest ? { datasetDigest: options.dataset.digest } : {}),
  };
}

/**
 * The fluent tracking API (MLflow's `mlflow.*` functions) as an object: an active experiment, a stack of
 * active runs for nesting, and a metric buffer that sends `log-batch` calls. The module-level functions use
 * one shared tracker; create more for isolated use. Connections and runs come from `RunTracker`; this class
 * adds params, metrics, tags, datasets, artifacts and models.
 */
export class Tracker extends RunTracker {
  /** Logs one param now (params are immutable: another value for the same key is an error). */
  async logParam(key: string, value: ParamValue): Promise<void> {
    const runId = await this.runId();
    await (await this.store()).logParam(runId, { key, value: stringify(value) });
  }

  /** Logs several params, in log-batch calls of up to 100. */
  async logParams(params: Record<string, ParamValue>): Promise<void> {
    await this.#logInBatches('params', params);
  }

  /**
   * Queues a metric point; it is sent in a log-batch with others (see `flush`). With `modelId` the point
   * is also logged against that logged model, with `dataset`'s name and digest (MLflow 3's `model_id`, `dataset`).
   */
  async logMetric(key: string, value: number, options: LogMetricOptions = {}): Promise<void> {
    const runId = await this.runId(options.runId);
    await this.store();
    const timestamp = options.timestamp ?? Date.now();
    const metric = validateMetric({ key, value, timestamp, step: options.step ?? 0 });
    this.buffer.add(runId, { ...metric, ...modelScope(options) });
  }

  /** Queues several metric points with one step and timestamp. */
  async logMetrics(metrics: Record<string, number>, options: LogMetricOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    for (const [key, value] of Object.entries(metrics))
      await this.logMetric(key, value, { ...options, timestamp });
  }

  /** Sets a tag on the active run now. */
  async setTag(key: string, value: ParamValue): Promise<void> {
    const runId = await this.runId();
    await (await this.store()).setTag(runId, { key, value: stringify(value) });
  }

  /** Sets several tags, in log-batch calls of up to 100. */
  async setTags(tags: Record<string, ParamValue>): Promise<void> {
    await this.#logInBatches('tags', tags);
  }

  async #logInBatches(kind: 'params' | 'tags', values: Record<string, ParamValue>): Promise<void> {
    const runId = await this.runId();
    const store = await this.store();
    const all = Object.entries(values).map(([key, value]) => ({ key, value: stringify(value) }));
    for (let i = 0; i < all.length; i += 100) await store.logBatch(runId, { [kind]: all.slice(i, i + 100) });
  }

  /** Records a dataset used by the active run, with its context (`training`, `evaluation`, …). */
  async logInput(
    dataset: Dataset,
    options: { context?: string; tags?: Record<string, string> } = {},
  ): Promise<void> {
    const runId = await this.runId();
    const tags = Object.entries({
      ...options.tags,
      ...(options.context ? { [MlflowTags.datasetContext]: options.context } : {}),
    }).map(([key, value]) => ({ key, value }));
    await (await this.store()).logInputs(runId, [{ dataset, tags }]);
  }

  /** The artifact repository of a run: the given one, the active one, or (for writes) a newly started one. */
  async #artifacts(runId?: string, write = true) {
    const store = await this.store();
    const id = write ? await this.runId(runId) : (runId ?? this.activeRun()?.info.runId);
    if (!id)
      throw MlflowError.invalidParameterValue(
        'No run to read artifacts from: pass runId, or start a run first.',
      );
    const { authHeadersFromEnv } = await import('@flowline/core');
    return runArtifactRepository(id, {
      store,
      trackingUri: this.getTrackingUri(),
      headers: authHeadersFromEnv({}, this.http),
    });
  }

  /** Uploads a local file into the run's artifacts (under `artifactPath`, keeping its name). */
  async logArtifact(
    localPath: string,
    artifactPath?: string,
    options: TransferOptions & { runId?: string } = {},
  ): Promise<void> {
    await (await this.#artifacts(options.runId)).logArtifact(localPath, artifactPath, options);
  }

  /** Uploads a local folder's contents into the run's artifacts. */
  async logArtifacts(
    localDir: string,
    artifactPath?: string,
    options: TransferOptions & { runId?: string } = {},
  ): Promise<void> {
    await (await this.#artifacts(options.runId)).logArtifacts(localDir, artifactPath, options);
  }

  /** Saves text as an artifact file, e.g. `logText(report, 'reports/summary.md')`. */
  async logText(text: string, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
    await writeBytes(await this.#artifacts(options.runId), artifactFile, Buffer.from(text, 'utf8'));
  }

  /** Saves an object as JSON, or YAML when the file ends in `.yaml`/`.yml` (as MLflow's `log_dict`). */
  async logDict(value: unknown, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
    await this.logText(await dictText(value, artifactFile), artifactFile, options);
  }

  /** Saves PNG bytes as an image artifact, e.g. `logImage(png, 'plots/loss.png')`. */
  async logImage(png: Uint8Array, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
    const bytes = pngBytes(png);
    await writeBytes(await this.#artifacts(options.runId), artifactFile, bytes);
  }

  /** One level of the run's artifacts. */
  async listArtifacts(path?: string, options: { runId?: string } = {}): Promise<FileInfo[]> {
    return (await this.#artifacts(options.runId, false)).listArtifacts(path);
  }

  /**
   * Downloads artifacts to a local folder (a new temporary one by default) and returns the local path:
   * from a run (`runId` + `artifactPath`), or from any artifact URI (`runs:/…`, `s3://…`, `mlflow-artifacts:/…`).
   */
  async downloadArtifacts(options: DownloadRequest = {}): Promise<string> {
    return downloadArtifacts(options, {
      store: await this.store(),
      trackingUri: this.getTrackingUri(),
      runRepository: (runId) => this.#artifacts(runId, false),
      registry: () => this.registry(),
    });
  }

  /**
   * Registers a model as MLflow's `register_model`: creates the registered model when it does not exist,
   * then a new version whose source is `modelUri` (e.g. `runs:/<run_id>/model`).
   */
  async registerModel(
    modelUri: string,
    name: string,
    options: { tags?: Record<string, string>; description?: string } = {},
  ): Promise<ModelVersion> {
    return registerModelVersion(await this.registry(), modelUri, name, options);
  }

  /**
   * Logs a model as MLflow 3's `log_model`: a logged model in the active run's experiment (`modelUri` is
   * `models:/<modelId>`) whose files are also kept in the run's artifacts at `runs:/<run>/<name>`, with the
   * run's params and its metrics at `step`; with `registeredModelName`, registers it. `model` is a custom JS
   * model spec, or `{ onnx }` / `{ transformers }` / `{ onnxGenai }` for the other built-in flavors; the second
   * argument is the name (artifact path) or the options with `name`. Uses `@flowline/model-format` (an
   * optional peer, loaded on first use).
   */
  async logModel(
    model: import('@flowline/model-format').CustomModelSpec | ModelToLog,
    nameOrOptions: string | (LogModelOptions & { name: string }),
    options: LogModelOptions = {},
  ): Promise<ModelInfo> {
    const merged = typeof nameOrOptions === 'string' ? { ...options, name: nameOrOptions } : nameOrOptions;
    const formats = await modelFormat();
    const runId = await this.runId(merged.runId);
    const store = await this.store();
    // The run's metrics at the model's step are copied onto it: send the queued ones first.
    await this.flush();
    const artifacts = await this.#artifacts(runId);
    const registry = merged.registeredModelName ? await this.registry() : undefined;
    const { authHeadersFromEnv } = await import('@flowline/core');
    const context = {
      store,
      trackingUri: this.getTrackingUri(),
      headers: authHeadersFromEnv({}, this.http),
    };
    const openRepository = (uri: string) => openArtifactRepository(uri, context);
    const target = { runId, store, artifacts, openRepository, registry };
    return logModelToRun(formats, model, merged.name, target, merged);
  }
}
