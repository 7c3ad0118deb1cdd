import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizeArtifactPath } from '@flowline/artifact-store';
import { apiRoute } from '../api-route.js';
import { repositoryFor } from '../artifact-access.js';
import { runIdOf } from '../inputs.js';
import { ArtifactRequests, ArtifactResponses } from '../schemas.js';
import { sendArtifact } from './artifact-proxy.js';

/** `artifacts/list` on the tracking API: one level of a run's artifacts, paths relative to the run root. */
export const runArtifactRoutes = [
  apiRoute({
    method: 'GET',
    url: '/artifacts/list',
    schema: { request: ArtifactRequests.runPath, response: ArtifactResponses.list },
    handler: async (input, { server }) => {
      const run = await server.store.getRun(runIdOf(input));
      const files = await repositoryFor(server.artifacts, run.info.artifactUri).listArtifacts(
        normalizeArtifactPath(input.path),
      );
      return {
        root_uri: run.info.artifactUri,
        ...(files.length > 0
          ? {
              files: files.map((f) => ({
                path: f.path,
                is_dir: f.isDir,
                ...(f.isDir ? {} : { file_size: f.fileSize }),
              })),
            }
          : {}),
      };
    },
  }),
];

/** `GET /get-artifact?run_id=&path=`: a run's file as a download (the route MLflow's UI uses). */
export const getArtifactRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: 'GET',
    url: '/get-artifact',
    schema: { querystring: ArtifactRequests.runPath },
    handler: async (request, reply) => {
      const run = await app.store.getRun(runIdOf(request.query));
      const repository = repositoryFor(app.artifacts, run.info.artifactUri);
      return sendArtifact(reply, repository, request.query.path ?? '');
    },
  });
};
