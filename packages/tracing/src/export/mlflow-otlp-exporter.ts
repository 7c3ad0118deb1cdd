// The exporter to a tracking server: OpenTelemetry's own OTLP/HTTP protobuf exporter, pointed at
// MLflow's OTLP endpoint (`<tracking uri>/v1/traces`) with the experiment in `x-mlflow-experiment-id`.
import { errorFromHttpResponse } from '@flowline/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { EXPERIMENT_ID_HEADER, OTLP_TRACES_PATH } from '../constants.js';

/** Where and how the exporter sends spans. */
export interface MlflowOtlpExporterOptions {
  /** The tracking server's base URL (`http(s)://…`). */
  trackingUri: string;
  /** The experiment id, or a function resolving it (called before each export until it succeeds). */
  experimentId: string | (() => Promise<string>);
  /** Extra headers on every request (authorization, …). */
  headers?: Record<string, string>;
  /** How long one request may take, in milliseconds (OpenTelemetry's default, 10000). */
  timeoutMillis?: number;
}

/** The OTLP endpoint of a tracking server: `<trackingUri>/v1/traces`. */
export function otlpTracesUrl(trackingUri: string): string {
  return trackingUri.replace(/\/+$/, '') + OTLP_TRACES_PATH;
}

/** An OTLP/HTTP protobuf exporter that sends to MLflow's `/v1/traces` endpoint of `trackingUri`. */
export function createMlflowOtlpExporter(options: MlflowOtlpExporterOptions): SpanExporter {
  const { experimentId } = options;
  const extra = options.headers ?? {};
  return new OTLPTraceExporter({
    url: otlpTracesUrl(options.trackingUri),
    timeoutMillis: options.timeoutMillis,
    headers:
      typeof experimentId === 'string'
        ? { ...extra, [EXPERIMENT_ID_HEADER]: experimentId }
        : async () => {
            // The exporter requires a factory that never throws: an unresolved experiment sends no
            // header, which the server refuses, so that batch counts as failed and the next retries.
            try {
              return { ...extra, [EXPERIMENT_ID_HEADER]: await experimentId() };
            } catch (error) {
              process.emitWarning(`Flowline tracing could not resolve its experiment: ${String(error)}`);
              return { ...extra };
            }
          },
  });
}

/**
 * Returns a function resolving an experiment name to its id on a tracking server (created when missing,
 * as MLflow's `set_experiment` does); the id is cached once found, a failure is retried on the next call.
 */
export function experimentIdResolver(
  trackingUri: string,
  experimentName: string,
  headers: Record<string, string> = {},
): () => Promise<string> {
  let found: Promise<string> | undefined;
  return () => {
    found ??= resolveExperimentId(trackingUri, experimentName, headers).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}

async function resolveExperimentId(
  trackingUri: string,
  name: string,
  headers: Record<string, string>,
): Promise<string> {
  const base = `${trackingUri.replace(/\/+$/, '')}/api/2.0/mlflow/experiments`;
  const got = await fetch(`${base}/get-by-name?experiment_name=${encodeURIComponent(name)}`, { headers });
  const gotText = await got.text();
  if (got.ok)
    return (JSON.parse(gotText) as { experiment: { experiment_id: string } }).experiment.experiment_id;
  const error = errorFromHttpResponse(got.status, gotText, `Looking up experiment '${name}'`);
  if (error.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw error;
  const created = await fetch(`${base}/create`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const createdText = await created.text();
  if (!created.ok) throw errorFromHttpResponse(created.status, createdText, `Creating experiment '${name}'`);
  return (JSON.parse(createdText) as { experiment_id: string }).experiment_id;
}
