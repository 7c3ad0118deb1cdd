import { normalizeArtifactPath } from '@flowline/artifact-store';
import type { FastifyInstance } from 'fastify';
import { type ArtifactAccess, repositoryFor } from '../artifact-access.js';
import { runIdOf } from '../inputs.js';
import { endpoint } from '../route.js';
import { ArtifactRequests, ArtifactResponses } from '../schemas.js';
import { sendArtifact } from './artifact-proxy.js';

/** `artifacts/list` on the tracking API: one level of a run's artifacts, paths relative to the run root. */
export async function runArtifactRoutes(
  app: FastifyInstance,
  options: { access: ArtifactAccess },
): Promise<void> {
  endpoint(
    app,
    'GET',
    '/artifacts/list',
    { input: ArtifactRequests.runPath, output: ArtifactResponses.list },
    async (input) => {
      const run = await app.store.getRun(runIdOf(input));
      const files = await repositoryFor(options.access, run.info.artifactUri).listArtifacts(
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
  );
}

/** `GET /get-artifact?run_id=&path=`: a run's file as a download (the route MLflow's UI uses). */
export async function getArtifactRoute(
  app: FastifyInstance,
  options: { access: ArtifactAccess },
): Promise<void> {
  app.get('/get-artifact', { schema: { querystring: ArtifactRequests.runPath } }, async (request, reply) => {
    const input = request.query as { run_id?: string; run_uuid?: string; path?: string };
    const run = await app.store.getRun(runIdOf(input));
    return sendArtifact(reply, repositoryFor(options.access, run.info.artifactUri), input.path ?? '');
  });
}
