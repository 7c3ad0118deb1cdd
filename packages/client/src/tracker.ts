import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import {
  type Dataset,
  type Experiment,
  type FileInfo,
  isMlflowError,
  MlflowError,
  MlflowTags,
  type Run,
  type RunStatus,
  type RunTag,
  type TrackingStore,
  type TransferOptions,
  validateMetric,
} from '@flowline/core';
import {
  checkPng,
  downloadFolder,
  openArtifactRepository,
  parseRunsUri,
  runArtifactRepository,
} from './artifacts.js';
import { type HttpOptions, httpOptionsFromEnv } from './http.js';
import { MetricBuffer, type MetricBufferOptions } from './metric-buffer.js';
import { DEFAULT_TRACKING_URI, openStore } from './open-store.js';

/** A model of a built-in flavor other than custom JS, for `logModel`. */
export type ModelToLog =
  | { onnx: import('@flowline/model-format').OnnxModelSpec }
  | { transformers: import('@flowline/model-format').TransformersModelSpec }
  | { onnxGenai: import('@flowline/model-format').OnnxGenaiModelSpec };
/** Options of `startRun`, after MLflow's `mlflow.start_run`. */
export interface StartRunOptions {
  /** Resume this existing run instead of creating one. */
  runId?: string;
  experimentId?: string;
  runName?: string;
  /** Start a child of the active run (tagged `mlflow.parentRunId`) instead of refusing. */
  nested?: boolean;
  /** Parent run id for a nested run started without the parent being active here. */
  parentRunId?: string;
  tags?: Record<string, string>;
  /** Stored as the `mlflow.note.content` tag, shown as the run's description. */
  description?: string;
}

/** Options of `logMetric` and `logMetrics`. */
export interface LogMetricOptions {
  step?: number;
  /** Milliseconds since the epoch (default: now). */
  timestamp?: number;
  /** Log to this run instead of the active one. */
  runId?: string;
}

/** Where a tracker sends data and how. */
export interface TrackerOptions {
  trackingUri?: string;
  http?: HttpOptions;
  buffer?: MetricBufferOptions;
  /** Environment to read `MLFLOW_*` variables from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

type ParamValue = string | number | boolean | bigint | null | undefined;

/**
 * The fluent tracking API (MLflow's `mlflow.*` functions) as an object: an active experiment, a stack of
 * active runs for nesting, and a metric buffer that sends `log-batch` calls. The module-level functions use
 * one shared tracker; create more for isolated use.
 */
export class Tracker {
  #trackingUri: string | undefined;
  #store: TrackingStore | null = null;
  #storeUri: string | null = null;
  #buffer: MetricBuffer | null = null;
  #registry: import('@flowline/core').RegistryStore | null = null;
  #registryUri: string | null = null;
  #experimentId: string | undefined;
  readonly #runs: Run[] = [];
  readonly #options: TrackerOptions;

  constructor(options: TrackerOptions = {}) {
    this.#options = options;
    this.#trackingUri = options.trackingUri;
  }

  get #env(): NodeJS.ProcessEnv {
    return this.#options.env ?? process.env;
  }

  /** Where runs are recorded: a server (`http://…`) or a database URI. Takes effect for the next call. */
  setTrackingUri(uri: string): void {
    this.#trackingUri = uri;
  }

  /** The tracking URI in effect: set explicitly, else `MLFLOW_TRACKING_URI`, else `sqlite:///mlflow.db`. */
  getTrackingUri(): string {
    return this.#trackingUri ?? this.#env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  }

  /** The store behind the tracking URI (a REST client or an in-process SQL store). */
  async store(): Promise<TrackingStore> {
    const uri = this.getTrackingUri();
    if (this.#store && this.#storeUri === uri) return this.#store;
    if (this.#store) await this.#closeStore();
    this.#store = await openStore(uri, { ...httpOptionsFromEnv(this.#env), ...this.#options.http });
    this.#storeUri = uri;
    this.#buffer = new MetricBuffer(this.#store, this.#options.buffer);
    return this.#store;
  }

  /** Makes an experiment active, creating it by name when it does not exist (as `mlflow.set_experiment`). */
  async setExperiment(nameOrOptions: string | { name?: string; experimentId?: string }): Promise<Experiment> {
    const store = await this.store();
    const { name, experimentId } =
      typeof nameOrOptions === 'string' ? { name: nameOrOptions, experimentId: undefined } : nameOrOptions;
    let experiment: Experiment;
    if (experimentId !== undefined) {
      experiment = await store.getExperiment(experimentId);
    } else if (name) {
      const found = await store.getExperimentByName(name);
      experiment = found ?? (await store.getExperiment(await store.createExperiment({ name })));
    } else {
      throw MlflowError.invalidParameterValue('setExperiment needs an experiment name or an experimentId.');
    }
    if (experiment.lifecycleStage === 'deleted') {
      throw MlflowError.invalidParameterValue(
        `Cannot set a deleted experiment '${experiment.name}' as the active experiment. Restore it first ` +
          `(flowline experiments restore -x ${experiment.experimentId}) or use another name.`,
      );
    }
    this.#experimentId = experiment.experimentId;
    return experiment;
  }

  async #activeExperimentId(): Promise<string> {
    if (this.#experimentId) return this.#experimentId;
    const env = this.#env;
    if (env.MLFLOW_EXPERIMENT_NAME)
      return (await this.setExperiment(env.MLFLOW_EXPERIMENT_NAME)).experimentId;
    if (env.MLFLOW_EXPERIMENT_ID) return env.MLFLOW_EXPERIMENT_ID;
    return '0';
  }

  /** The innermost active run, if any. */
  activeRun(): Run | undefined {
    return this.#runs.at(-1);
  }

  /**
   * Starts (or resumes) a run and makes it active. A second run while one is active needs `nested: true`.
   * With no explicit run and `MLFLOW_RUN_ID` set, that run is resumed (as inside `flowline run`).
   */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    const store = await this.store();
    const active = this.activeRun();
    const resumeId = options.runId ?? (active ? undefined : this.#env.MLFLOW_RUN_ID || undefined);
    if (active && !options.nested && !options.runId) {
      throw MlflowError.invalidParameterValue(
        `Run with UUID ${active.info.runId} is already active. To start a nested run, pass nested: true; ` +
          'or end the active run first with endRun().',
      );
    }
    let run: Run;
    if (resumeId) {
      run = await store.getRun(resumeId);
      if (run.info.lifecycleStage === 'deleted') {
        throw MlflowError.invalidParameterValue(
          `Cannot resume run ${resumeId}: it is deleted. Restore it first.`,
        );
      }
      if (run.info.status !== 'RUNNING') await store.updateRunInfo(resumeId, { status: 'RUNNING' });
      run = await store.getRun(resumeId);
    } else {
      const parentRunId = options.parentRunId ?? (options.nested ? active?.info.runId : undefined);
      const tags: RunTag[] = Object.entries({
        [MlflowTags.user]: safeUser(),
        [MlflowTags.sourceName]: process.argv[1] ? basename(process.argv[1]) : 'node',
        [MlflowTags.sourceType]: 'LOCAL',
        ...(parentRunId ? { [MlflowTags.parentRunId]: parentRunId } : {}),
        ...(options.description ? { [MlflowTags.noteContent]: options.description } : {}),
        ...options.tags,
      }).map(([key, value]) => ({ key, value }));
      run = await store.createRun({
        experimentId: options.experimentId ?? (await this.#activeExperimentId()),
        runName: options.runName,
        userId: safeUser(),
        tags,
      });
    }
    this.#runs.push(run);
    return run;
  }

  /** Ends the innermost active run (FINISHED by default) after sending its buffered metrics. */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    const run = this.#runs.at(-1);
    if (!run) return;
    const store = await this.store();
    try {
      await this.flush();
    } finally {
      this.#runs.pop();
      await store.updateRunInfo(run.info.runId, { status, endTime: Date.now() });
    }
  }

  /**
   * Runs `fn` inside a run: FINISHED when it returns, FAILED when it throws (the error is rethrown).
   * Buffered metrics are sent before the run ends either way.
   */
  async withRun<T>(fn: (run: Run) => Promise<T> | T, options: StartRunOptions = {}): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (error) {
      await this.endRun('FAILED');
      throw error;
    }
    await this.endRun('FINISHED');
    return result;
  }

  async #runId(explicit?: string): Promise<string> {
    if (explicit) return explicit;
    const active = this.activeRun() ?? (await this.startRun());
    return active.info.runId;
  }

  /** Logs one param now (params are immutable: another value for the same key is an error). */
  async logParam(key: string, value: ParamValue): Promise<void> {
    const runId = await this.#runId();
    await (await this.store()).logParam(runId, { key, value: stringify(value) });
  }

  /** Logs several params, in log-batch calls of up to 100. */
  async logParams(params: Record<string, ParamValue>): Promise<void> {
    const runId = await this.#runId();
    const store = await this.store();
    const all = Object.entries(params).map(([key, value]) => ({ key, value: stringify(value) }));
    for (let i = 0; i < all.length; i += 100) await store.logBatch(runId, { params: all.slice(i, i + 100) });
  }

  /** Queues a metric point; it is sent in a log-batch with others (see `flush`). */
  async logMetric(key: string, value: number, options: LogMetricOptions = {}): Promise<void> {
    const runId = await this.#runId(options.runId);
    await this.store();
    const metric = validateMetric({
      key,
      value,
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
    });
    this.#buffer!.add(runId, metric);
  }

  /** Queues several metric points with one step and timestamp. */
  async logMetrics(metrics: Record<string, number>, options: LogMetricOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    for (const [key, value] of Object.entries(metrics))
      await this.logMetric(key, value, { ...options, timestamp });
  }

  /** Sets a tag on the active run now. */
  async setTag(key: string, value: ParamValue): Promise<void> {
    const runId = await this.#runId();
    await (await this.store()).setTag(runId, { key, value: stringify(value) });
  }

  /** Sets several tags, in log-batch calls of up to 100. */
  async setTags(tags: Record<string, ParamValue>): Promise<void> {
    const runId = await this.#runId();
    const store = await this.store();
    const all = Object.entries(tags).map(([key, value]) => ({ key, value: stringify(value) }));
    for (let i = 0; i < all.length; i += 100) await store.logBatch(runId, { tags: all.slice(i, i + 100) });
  }

  /** Records a dataset used by the active run, with its context (`training`, `evaluation`, …). */
  async logInput(
    dataset: Dataset,
    options: { context?: string; tags?: Record<string, string> } = {},
  ): Promise<void> {
    const runId = await this.#runId();
    const tags = Object.entries({
      ...options.tags,
      ...(options.context ? { [MlflowTags.datasetContext]: options.context } : {}),
    }).map(([key, value]) => ({ key, value }));
    await (await this.store()).logInputs(runId, [{ dataset, tags }]);
  }

  /** The artifact repository of a run: the given one, the active one, or (for writes) a newly started one. */
  async #artifacts(runId?: string, write = true) {
    const store = await this.store();
    const id = write ? await this.#runId(runId) : (runId ?? this.activeRun()?.info.runId);
    if (!id)
      throw MlflowError.invalidParameterValue(
        'No run to read artifacts from: pass runId, or start a run first.',
      );
    const http = { ...httpOptionsFromEnv(this.#env), ...this.#options.http };
    const { authHeadersFromEnv } = await import('@flowline/core');
    return runArtifactRepository(id, {
      store,
      trackingUri: this.getTrackingUri(),
      headers: authHeadersFromEnv({}, http),
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
    const bytes = Buffer.from(text, 'utf8');
    await (await this.#artifacts(options.runId)).writeArtifact(artifactFile, Readable.from(bytes), {
      size: bytes.length,
    });
  }

  /** Saves an object as JSON, or YAML when the file ends in `.yaml`/`.yml` (as MLflow's `log_dict`). */
  async logDict(value: unknown, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
    const yaml = /\.ya?ml$/i.test(artifactFile);
    const text = yaml ? (await import('yaml')).stringify(value) : `${JSON.stringify(value, null, 2)}\n`;
    await this.logText(text, artifactFile, options);
  }

  /** Saves PNG bytes as an image artifact, e.g. `logImage(png, 'plots/loss.png')`. */
  async logImage(png: Uint8Array, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
    const bytes = checkPng(png);
    await (await this.#artifacts(options.runId)).writeArtifact(artifactFile, Readable.from(bytes), {
      size: bytes.length,
    });
  }

  /** One level of the run's artifacts. */
  async listArtifacts(path?: string, options: { runId?: string } = {}): Promise<FileInfo[]> {
    return (await this.#artifacts(options.runId, false)).listArtifacts(path);
  }

  /**
   * Downloads artifacts to a local folder (a new temporary one by default) and returns the local path:
   * from a run (`runId` + `artifactPath`), or from any artifact URI (`runs:/…`, `s3://…`, `mlflow-artifacts:/…`).
   */
  async downloadArtifacts(
    options: TransferOptions & {
      runId?: string;
      artifactPath?: string;
      artifactUri?: string;
      dstPath?: string;
    } = {},
  ): Promise<string> {
    const destination = options.dstPath ?? (await downloadFolder());
    if (options.artifactUri?.startsWith('runs:')) {
      const { runId, path } = await parseRunsUri(options.artifactUri);
      return (await this.#artifacts(runId, false)).downloadArtifacts(path, destination, options);
    }
    if (
      options.artifactUri?.startsWith('models:') &&
      !/^models:\/\/?[^/]+\/[^/]+\/./.test(options.artifactUri) &&
      !/@[\w-]+\/./.test(options.artifactUri)
    ) {
      // A whole model (no path inside it): download its folder.
      const store = await this.store();
      const repository = await openArtifactRepository(options.artifactUri, {
        store,
        trackingUri: this.getTrackingUri(),
        registry: await this.registry(),
      });
      return repository.downloadArtifacts('', destination, options);
    }
    if (options.artifactUri) {
      // Open the parent and fetch the last segment, which works whether the URI names a file or a folder.
      const uri = options.artifactUri.replace(/\/+$/, '');
      const cut = uri.lastIndexOf('/');
      const store = await this.store();
      const repository = await openArtifactRepository(uri.slice(0, cut), {
        store,
        trackingUri: this.getTrackingUri(),
      });
      return repository.downloadArtifacts(decodeURIComponent(uri.slice(cut + 1)), destination, options);
    }
    return (await this.#artifacts(options.runId, false)).downloadArtifacts(
      options.artifactPath ?? '',
      destination,
      options,
    );
  }

  /** The model registry behind the tracking URI (REST for a server, SQL in-process for a database). */
  async registry(): Promise<import('@flowline/core').RegistryStore> {
    const store = await this.store();
    if (this.#registry && this.#registryUri === this.getTrackingUri()) return this.#registry;
    await this.#registry?.close();
    const { openRegistry } = await import('./open-store.js');
    this.#registryUri = this.getTrackingUri();
    this.#registry = await openRegistry(this.#registryUri, {
      http: { ...httpOptionsFromEnv(this.#env), ...this.#options.http },
      trackingStore: store,
    });
    return this.#registry;
  }

  /**
   * Registers a model as MLflow's `register_model`: creates the registered model when it does not exist,
   * then a new version whose source is `modelUri` (e.g. `runs:/<run_id>/model`).
   */
  async registerModel(
    modelUri: string,
    name: string,
    options: { tags?: Record<string, string>; description?: string } = {},
  ): Promise<import('@flowline/core').ModelVersion> {
    const registry = await this.registry();
    try {
      await registry.createRegisteredModel({ name });
    } catch (error) {
      if (!(isMlflowError(error) && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    const runId = /^runs:\/\/?([^/]+)/.exec(modelUri)?.[1];
    return registry.createModelVersion({
      name,
      source: modelUri,
      runId,
      description: options.description,
      tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
  }

  /**
   * Logs a model into the active run's artifacts (MLflow's `log_model`) and, with `registeredModelName`,
   * registers it. `model` is a custom JS model spec, or `{ onnx }` / `{ transformers }` for the other
   * built-in flavors. Uses `@flowline/model-format` (an optional peer, loaded on first use).
   */
  async logModel(
    model: import('@flowline/model-format').CustomModelSpec | ModelToLog,
    artifactPath: string,
    options: {
      registeredModelName?: string;
      signature?: import('@flowline/model-format').ModelSignature;
      inputExample?: unknown;
      metadata?: Record<string, unknown>;
      runId?: string;
    } = {},
  ): Promise<import('@flowline/model-format').LoggedModel> {
    let formats: typeof import('@flowline/model-format');
    try {
      formats = await import('@flowline/model-format');
    } catch (cause) {
      throw MlflowError.invalidParameterValue(
        'logModel needs the @flowline/model-format package; install it next to @flowline/client.',
        { cause },
      );
    }
    const runId = await this.#runId(options.runId);
    const store = await this.store();
    const flavor =
      'onnx' in model || 'transformers' in model || 'onnxGenai' in model ? model : { custom: model };
    return formats.logModel({
      ...flavor,
      artifactPath,
      runId,
      store,
      artifacts: await this.#artifacts(runId),
      signature: options.signature,
      inputExample: options.inputExample,
      metadata: options.metadata,
      registeredModelName: options.registeredModelName,
      registry: options.registeredModelName ? await this.registry() : undefined,
    });
  }

  /** Sends every buffered metric point and waits; throws if a send failed. */
  async flush(): Promise<void> {
    await this.#buffer?.flush();
  }

  /** Flushes and closes the store connection; active runs stay as they are. */
  async close(): Promise<void> {
    await this.#closeStore();
  }

  async #closeStore(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#registry?.close();
      this.#registry = null;
      await this.#store?.close();
      this.#store = null;
      this.#storeUri = null;
      this.#buffer = null;
    }
  }
}

function stringify(value: ParamValue): string {
  return value === null || value === undefined ? '' : String(value);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
