import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizeArtifactPath } from '@flowline/artifact-store';
import { ErrorCode, MlflowError, traceDataJson } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import { repositoryFor } from '../artifact-access.js';
import { artifactContentType, attachmentDisposition } from '../artifact-headers.js';
import { sendArtifact } from './artifact-proxy.js';
import { artifactLocationOf, spansInStore, TRACE_DATA_FILE } from './traces-data.js';
import { traceStoreOf } from './traces-store.js';

const Query = Type.Object({ request_id: Type.Optional(Type.String()), path: Type.Optional(Type.String()) });

/**
 * `GET /get-trace-artifact?request_id=`: a trace's span data as the `traces.json` download MLflow's web UI
 * reads (`{"spans": [...]}`). Spans the store keeps are written from its rows; a trace whose spans a client
 * uploaded is answered with that file from its `mlflow.artifactLocation`. With `path`, another file of the
 * trace's artifacts (an attachment), as MLflow's newer UI asks.
 */
export const traceArtifactRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: 'GET',
    url: '/get-trace-artifact',
    schema: { querystring: Query },
    handler: async (request, reply) => {
      const traceId = request.query.request_id;
      if (!traceId) {
        throw new MlflowError(
          ErrorCode.BAD_REQUEST,
          'Request must include the "request_id" query parameter.',
        );
      }
      const traces = traceStoreOf(app.store);
      const info = await traces.getTraceInfo(traceId);
      if (request.query.path) {
        const repository = repositoryFor(app.artifacts, artifactLocationOf(info));
        return sendArtifact(reply, repository, normalizeArtifactPath(request.query.path));
      }
      const spans = await traces.getTraceSpans(traceId);
      let body: string | Readable;
      if (spans.length > 0 || spansInStore(info)) body = traceDataJson(spans);
      else {
        const repository = repositoryFor(app.artifacts, artifactLocationOf(info));
        const opened = await repository.openArtifact(TRACE_DATA_FILE);
        body = opened.stream;
        if (opened.size !== undefined) reply.header('content-length', String(opened.size));
      }
      // Headers only once the data is there, so an error is answered as MLflow's JSON, not as a download.
      reply.header('content-disposition', attachmentDisposition(TRACE_DATA_FILE));
      reply.header('content-type', artifactContentType(TRACE_DATA_FILE));
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(body);
    },
  });
};
