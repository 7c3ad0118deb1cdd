import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, MlflowError, type SpanRecord, type TrackingStore } from '@flowline/core';
import type { FastifyPluginAsync } from 'fastify';
import {
  DEFAULT_MAX_DECODED_BYTES,
  decodeOtlpTraces,
  OTLP_MEDIA_TYPES,
  type OtlpFormat,
  otlpFormatOf,
} from '../otlp/decode-otlp-traces.js';
import { emptyExportResponse } from '../otlp/otlp-proto.js';

/** Where OTLP/HTTP exporters send traces (`<endpoint>/v1/traces`), as MLflow serves it. */
export const OTLP_TRACES_PATH = '/v1/traces';

/** The header naming the experiment the spans go to (MLflow's `MLFLOW_EXPERIMENT_ID_HEADER`). */
export const MLFLOW_EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id';

/** The default largest OTLP request body as sent (16 MiB, compressed or not). */
export const OTLP_BODY_LIMIT = 16 * 1024 * 1024;

/** What the route needs of the store: the experiment check, and MLflow's `log_spans`. */
export interface OtlpSpanStore {
  getExperiment: TrackingStore['getExperiment'];
  /** Absent on a store that cannot keep spans: the route then answers 501, as MLflow. */
  logSpans?(experimentId: string, spans: SpanRecord[]): Promise<void>;
}

/** Options of `otlpTracesRoute`. */
export interface OtlpTracesOptions {
  /** Where spans go (default: the server's tracking store, `app.store`). */
  store?: OtlpSpanStore;
  /** Largest body as sent, in bytes (default `OTLP_BODY_LIMIT`); larger ones are refused with 413. */
  bodyLimit?: number;
  /** Largest body once decompressed, in bytes (default 64 MiB). */
  maxDecodedBytes?: number;
}

/**
 * The experiment id of an OTLP request, from its `x-mlflow-experiment-id` header; a request without one is
 * `INVALID_PARAMETER_VALUE`. The permission check reads it here too, so what is checked is what is written.
 */
export function otlpExperimentId(headers: IncomingHttpHeaders): string {
  const raw = headers[MLFLOW_EXPERIMENT_ID_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value)
    throw MlflowError.invalidParameterValue(
      `Missing value for required header '${MLFLOW_EXPERIMENT_ID_HEADER}': set it to the id of the experiment the traces belong to.`,
    );
  return value;
}

/** The OTLP encoding a request's `Content-Type` names; another one is `INVALID_PARAMETER_VALUE`. */
function requestFormat(headers: IncomingHttpHeaders): OtlpFormat {
  const contentType = headers['content-type'];
  const format = otlpFormatOf(contentType);
  if (!format)
    throw MlflowError.invalidParameterValue(
      `Invalid Content-Type: ${contentType || '(none)'}. Expected: ${OTLP_MEDIA_TYPES.protobuf} or ${OTLP_MEDIA_TYPES.json}.`,
    );
  return format;
}

/**
 * `POST /v1/traces` (MLflow's OTLP ingest, `mlflow/server/otel_api.py`): an OTLP/HTTP trace export, as
 * binary protobuf (`application/x-protobuf`, what MLflow takes) or OTLP/JSON (`application/json`, which
 * MLflow refuses), optionally gzip- or deflate-encoded, into the experiment of the `x-mlflow-experiment-id`
 * header through the store's `logSpans`. The answer is an empty `ExportTraceServiceResponse` in the
 * request's encoding; errors are MLflow's JSON. An encapsulated plugin, so its raw-body parser stays inside.
 */
export const otlpTracesRoute: FastifyPluginAsync<OtlpTracesOptions> = async (app, options) => {
  const bodyLimit = options.bodyLimit ?? OTLP_BODY_LIMIT;
  const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  // Every body arrives as bytes; the handler checks the content type itself, to answer in MLflow's words.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  app.route({
    method: 'POST',
    url: OTLP_TRACES_PATH,
    bodyLimit,
    // Before the body is read: a request without the header or with another content type (or none, which
    // fastify's parsing would refuse in its own words) is answered without reading its body.
    onRequest: async (request) => {
      otlpExperimentId(request.headers);
      requestFormat(request.headers);
    },
    handler: async (request, reply) => {
      const store: OtlpSpanStore = options.store ?? app.store;
      const experimentId = otlpExperimentId(request.headers);
      const format = requestFormat(request.headers);
      if (typeof store.logSpans !== 'function')
        throw new MlflowError(
          ErrorCode.NOT_IMPLEMENTED,
          `REST OTLP span logging is not supported by ${store.constructor?.name ?? 'this store'}.`,
        );
      await store.getExperiment(experimentId);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const spans = decodeOtlpTraces(
        body,
        request.headers['content-type'],
        request.headers['content-encoding'],
        {
          maxDecodedBytes,
        },
      );
      if (spans.length === 0)
        throw MlflowError.invalidParameterValue(
          'Invalid OpenTelemetry payload - no spans found. Send an ExportTraceServiceRequest with at least one span.',
        );
      await store.logSpans(experimentId, spans);
      if (format === 'protobuf') return reply.type(OTLP_MEDIA_TYPES.protobuf).send(emptyExportResponse());
      return reply.type(OTLP_MEDIA_TYPES.json).send({});
    },
  });
};
