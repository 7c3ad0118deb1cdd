// One tracer provider per process, set up by `configureTracing` or, on first use, from MLflow's
// environment variables. Its context manager (AsyncLocalStorage) carries the active span through
// `await`; its processor exports off the caller's path into the tracking server's OTLP endpoint.
import { authHeadersFromEnv, MlflowError } from '@flowline/core';
import { type Attributes, context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type SpanExporter, type SpanLimits } from '@opentelemetry/sdk-trace-base';
import {
  BoundedBatchSpanProcessor,
  type ExportQueueOptions,
  type ExportStats,
} from './export/bounded-batch-span-processor.js';
import { createMlflowOtlpExporter, experimentIdResolver } from './export/mlflow-otlp-exporter.js';

/** How tracing is set up; every field is optional and defaults as MLflow's SDK does. */
export interface TracingOptions extends ExportQueueOptions {
  /** The tracking server (`http(s)://…`); default `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** The experiment traces go to; wins over `experimentName`. Default `MLFLOW_EXPERIMENT_ID`. */
  experimentId?: string;
  /** The experiment traces go to, by name (created when missing). Default `MLFLOW_EXPERIMENT_NAME`. */
  experimentName?: string;
  /** Extra headers on export requests; auth comes from `MLFLOW_TRACKING_TOKEN` / `_USERNAME` / `_PASSWORD`. */
  headers?: Record<string, string>;
  /** Sends spans here instead of to the tracking server (an `InMemorySpanExporter` in tests, say). */
  exporter?: SpanExporter;
  /** The resource's `service.name` (OpenTelemetry's default otherwise). */
  serviceName?: string;
  /** More resource attributes; the server keeps them as trace tags. */
  resourceAttributes?: Attributes;
  /** OpenTelemetry's per-span limits (128 attributes, 128 events, … by default). */
  spanLimits?: SpanLimits;
  /** Where the defaults are read from (`process.env`). */
  env?: Record<string, string | undefined>;
}

/** What `configureTracing` set up. */
export interface TracingConfiguration {
  /** The OTLP endpoint spans go to, or absent when they go to a given exporter or nowhere. */
  endpoint?: string;
  /** The experiment id, when known without asking the server. */
  experimentId?: string;
  /** The experiment name to resolve on the server, when given by name. */
  experimentName?: string;
}

interface TracingState {
  provider: BasicTracerProvider;
  processor: BoundedBatchSpanProcessor | undefined;
  tracer: Tracer;
  ownsContextManager: boolean;
  configuration: TracingConfiguration;
}

const TRACER_NAME = '@flowline/tracing';
let state: TracingState | undefined;
/** True while the setup in `state` came from first use rather than a `configureTracing` call. */
let implicit = false;

/** Where traces go when `configureTracing` does not say (set by `@flowline/client` from its own settings). */
export interface TracingDefaults {
  /** The tracking URI (`setTrackingUri`), over `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** The active experiment (`setExperiment`), over `MLFLOW_EXPERIMENT_ID` / `_NAME`. */
  experimentId?: string;
  /** An exporter for a tracking URI that is no server (a database written in-process), or undefined. */
  exporterFor?: (trackingUri: string, experimentId: string) => SpanExporter | undefined;
}
let defaults: TracingDefaults = {};

/**
 * Sets where traces go when `configureTracing` is not told: a setup made on first use is replaced by
 * one following the new defaults on the next span; an explicit `configureTracing` keeps its own.
 */
export function setTracingDefaults(update: TracingDefaults): void {
  defaults = { ...defaults, ...update };
  if (state !== undefined && implicit) {
    const stale = state;
    state = undefined;
    void stale.provider.shutdown();
    if (stale.ownsContextManager) context.disable();
  }
}
let exitHookInstalled = false;

/**
 * Sets up tracing: a tracer provider whose spans go, in batches, to `<trackingUri>/v1/traces` as
 * OTLP/HTTP protobuf with header `x-mlflow-experiment-id` (MLflow's OTLP endpoint), through a bounded
 * queue that drops and counts spans rather than block. Replaces an earlier setup (which is shut down).
 */
export function configureTracing(options: TracingOptions = {}): TracingConfiguration {
  implicit = false;
  return setUp(options);
}

function setUp(options: TracingOptions): TracingConfiguration {
  const env = options.env ?? process.env;
  const trackingUri = options.trackingUri ?? defaults.trackingUri ?? (env.MLFLOW_TRACKING_URI || undefined);
  if (options.exporter === undefined && options.trackingUri !== undefined && !isHttp(options.trackingUri)) {
    throw MlflowError.invalidParameterValue(
      `Tracing sends spans to a tracking server over HTTP, so trackingUri must be http(s)://…, got ` +
        `'${options.trackingUri}'. Point it at a running server, or pass an exporter.`,
    );
  }
  let exporter = options.exporter;
  const configuration: TracingConfiguration = {};
  const givenId = options.experimentId ?? defaults.experimentId;
  if (exporter === undefined && trackingUri !== undefined && !isHttp(trackingUri) && defaults.exporterFor) {
    const experimentId = givenId ?? (env.MLFLOW_EXPERIMENT_ID || '0');
    exporter = defaults.exporterFor(trackingUri, experimentId);
    if (exporter) configuration.experimentId = experimentId;
  }
  if (exporter === undefined && trackingUri !== undefined && isHttp(trackingUri)) {
    const headers = { ...authHeadersFromEnv(env), ...options.headers };
    const experimentName =
      givenId === undefined
        ? (options.experimentName ?? (env.MLFLOW_EXPERIMENT_NAME || undefined))
        : undefined;
    const experimentId = givenId ?? (env.MLFLOW_EXPERIMENT_ID || '0');
    exporter = createMlflowOtlpExporter({
      trackingUri,
      headers,
      experimentId:
        experimentName !== undefined
          ? experimentIdResolver(trackingUri, experimentName, headers)
          : experimentId,
    });
    configuration.endpoint = `${trackingUri.replace(/\/+$/, '')}/v1/traces`;
    if (experimentName !== undefined) configuration.experimentName = experimentName;
    else configuration.experimentId = experimentId;
  } else if (exporter === undefined) {
    process.emitWarning(
      `Flowline tracing records spans but exports none: MLFLOW_TRACKING_URI is ` +
        `${trackingUri === undefined ? 'not set' : `'${trackingUri}', not an http(s) tracking server`}. ` +
        'Call configureTracing({ trackingUri }) to send them to a server.',
    );
  }
  const processor = exporter === undefined ? undefined : new BoundedBatchSpanProcessor(exporter, options);
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...(options.serviceName !== undefined ? { 'service.name': options.serviceName } : {}),
      ...options.resourceAttributes,
    }),
  );
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: processor ? [processor] : [],
    ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
  });
  const previous = state;
  if (previous !== undefined) {
    state = undefined;
    void previous.provider.shutdown();
    if (previous.ownsContextManager) context.disable();
  }
  const manager = new AsyncLocalStorageContextManager().enable();
  // An application that registered its own context manager keeps it: ours is then not needed.
  const ownsContextManager = context.setGlobalContextManager(manager);
  if (!ownsContextManager) manager.disable();
  state = {
    provider,
    processor,
    tracer: provider.getTracer(TRACER_NAME),
    ownsContextManager,
    configuration,
  };
  installExitHook();
  return { ...configuration };
}

/** The tracer spans are made with, setting tracing up from the environment on first use. */
export function getTracer(): Tracer {
  if (state === undefined) {
    implicit = true;
    setUp({});
  }
  return (state as TracingState).tracer;
}

/** Exports every span ended so far; resolves when the server has answered. */
export async function flushTracing(): Promise<void> {
  await state?.processor?.forceFlush();
}

/** Exports what is queued and shuts tracing down; the next traced call sets it up again. */
export async function shutdownTracing(): Promise<void> {
  const current = state;
  if (current === undefined) return;
  state = undefined;
  await current.provider.shutdown();
  if (current.ownsContextManager) context.disable();
}

/** Counts of exported, dropped and failed spans, and how many wait now (all zero before any setup). */
export function getExportStats(): ExportStats {
  return state?.processor?.stats() ?? { exported: 0, dropped: 0, failed: 0, queued: 0 };
}

function isHttp(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

// Spans still queued when the event loop drains are sent then, as the client's metric buffer does,
// so a script that ends without `flushTracing()` still exports its traces.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('beforeExit', () => {
    if ((state?.processor?.stats().queued ?? 0) > 0) void flushTracing();
  });
}
