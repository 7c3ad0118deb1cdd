import type { Experiment, RegistryStore, Run, RunStatus, TrackingStore } from '@flowline/core';
import { addTraceMetadataProvider } from '@flowline/tracing';
import { type HttpOptions, httpOptionsFromEnv } from './http.js';
import { MetricBuffer } from './metric-buffer.js';
import { DEFAULT_TRACKING_URI, openStore } from './open-store.js';
import { SystemMetricsMonitor, systemMetricsOptionsFromEnv, systemMetricsWanted } from './system-metrics.js';
import type { StartRunOptions, TrackerOptions } from './tracker-options.js';
import { experimentFromEnv, findOrCreateExperiment, startOrResumeRun } from './tracker-runs.js';

/**
 * The run half of `Tracker`: the store and registry connections, the metric buffer, the active experiment
 * and the stack of active runs. `Tracker` adds logging, artifacts and models on top.
 */
export class RunTracker {
  #trackingUri: string | undefined;
  #store: TrackingStore | null = null;
  #storeUri: string | null = null;
  #buffer: MetricBuffer | null = null;
  #registry: RegistryStore | null = null;
  #registryUri: string | null = null;
  #experimentId: string | undefined;
  readonly #runs: Run[] = [];
  readonly #monitors = new Map<string, SystemMetricsMonitor>();
  /** Per active run: removes its trace metadata provider (traces started inside it name it as their source run). */
  readonly #traceLinks = new Map<string, () => void>();
  readonly #options: TrackerOptions;

  constructor(options: TrackerOptions = {}) {
    this.#options = options;
    this.#trackingUri = options.trackingUri;
  }

  /** The environment `MLFLOW_*` variables are read from. */
  protected get env(): NodeJS.ProcessEnv {
    return this.#options.env ?? process.env;
  }

  /** The HTTP settings: `MLFLOW_HTTP_*` and credentials from the environment, then the options'. */
  protected get http(): HttpOptions {
    return { ...httpOptionsFromEnv(this.env), ...this.#options.http };
  }

  /** Where runs are recorded: a server (`http://…`) or a database URI. Takes effect for the next call. */
  setTrackingUri(uri: string): void {
    this.#trackingUri = uri;
  }

  /** The tracking URI in effect: set explicitly, else `MLFLOW_TRACKING_URI`, else `sqlite:///mlflow.db`. */
  getTrackingUri(): string {
    return this.#trackingUri ?? this.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  }

  /** The metric buffer of the open store (opened by `store()`). */
  protected get buffer(): MetricBuffer {
    if (!this.#buffer) throw new Error('The metric buffer is opened with the store; call store() first.');
    return this.#buffer;
  }

  /** The store behind the tracking URI (a REST client or an in-process SQL store). */
  async store(): Promise<TrackingStore> {
    const uri = this.getTrackingUri();
    if (this.#store && this.#storeUri === uri) return this.#store;
    if (this.#store) await this.#closeStore();
    this.#store = await openStore(uri, this.http);
    this.#storeUri = uri;
    const flushOnExit = this.env.FLOWLINE_FLUSH_METRICS_ON_EXIT?.trim().toLowerCase() === 'true';
    this.#buffer = new MetricBuffer(this.#store, { flushOnExit, ...this.#options.buffer });
    return this.#store;
  }

  /** Makes an experiment active, creating it by name when it does not exist (as `mlflow.set_experiment`). */
  async setExperiment(nameOrOptions: string | { name?: string; experimentId?: string }): Promise<Experiment> {
    const experiment = await findOrCreateExperiment(await this.store(), nameOrOptions);
    this.#experimentId = experiment.experimentId;
    return experiment;
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
    const run = await startOrResumeRun(await this.store(), options, {
      active: this.activeRun(),
      env: this.env,
      experimentId: async () => {
        if (this.#experimentId) return this.#experimentId;
        const fromEnv = experimentFromEnv(this.env);
        return 'name' in fromEnv ? (await this.setExperiment(fromEnv.name)).experimentId : fromEnv.id;
      },
    });
    this.#runs.push(run);
    // As MLflow, a trace started while the run is active records it as `mlflow.sourceRun` (innermost run wins).
    const runId = run.info.runId;
    this.#traceLinks.get(runId)?.();
    this.#traceLinks.set(
      runId,
      addTraceMetadataProvider(() => ({ 'mlflow.sourceRun': runId })),
    );
    if (systemMetricsWanted(options.logSystemMetrics, this.env)) {
      // A resumed run continues after its last system metrics step, as MLflow does.
      const steps = run.data.metrics.filter((m) => m.key.startsWith('system/')).map((m) => m.step);
      const monitor = new SystemMetricsMonitor(
        await this.store(),
        run.info.runId,
        systemMetricsOptionsFromEnv(this.env, this.#options.systemMetrics),
        steps.length > 0 ? Math.max(...steps) + 1 : 0,
      );
      await monitor.start();
      this.#monitors.set(run.info.runId, monitor);
    }
    return run;
  }

  /** Ends the innermost active run (FINISHED by default) after sending its buffered metrics (and its last system metrics). */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    const run = this.#runs.at(-1);
    if (!run) return;
    const store = await this.store();
    const monitor = this.#monitors.get(run.info.runId);
    this.#monitors.delete(run.info.runId);
    this.#traceLinks.get(run.info.runId)?.();
    this.#traceLinks.delete(run.info.runId);
    try {
      await monitor?.stop();
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

  /** The run a call logs to: the explicit one, else the active one, else a newly started one. */
  protected async runId(explicit?: string): Promise<string> {
    if (explicit) return explicit;
    return (this.activeRun() ?? (await this.startRun())).info.runId;
  }

  /** The model registry behind the tracking URI (REST for a server, SQL in-process for a database). */
  async registry(): Promise<RegistryStore> {
    const store = await this.store();
    if (this.#registry && this.#registryUri === this.getTrackingUri()) return this.#registry;
    await this.#registry?.close();
    const { openRegistry } = await import('./open-store.js');
    this.#registryUri = this.getTrackingUri();
    this.#registry = await openRegistry(this.#registryUri, { http: this.http, trackingStore: store });
    return this.#registry;
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
