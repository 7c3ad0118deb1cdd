import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizeArtifactPath } from '@flowline/artifact-store';
import { MlflowError } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import { repositoryFor } from '../artifact-access.js';

/** The largest file `upload-artifact` takes, as MLflow (10 MB). */
export const UPLOAD_ARTIFACT_LIMIT = 10 * 1024 * 1024;

/** The query of `upload-artifact`: the run (`run_uuid`, as MLflow's UI sends it) and the file's path. */
export const UploadArtifactQuery = Type.Object({
  run_uuid: Type.Optional(Type.String()),
  run_id: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
});

const tooLarge = () => MlflowError.invalidParameterValue('Artifact size is too large. Max size is 10MB.');

/** The request body, up to the limit; refused as MLflow does when it is larger. */
async function readBody(body: Readable | undefined): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > UPLOAD_ARTIFACT_LIMIT) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=` (MLflow's `upload_artifact_handler`): the
 * body, of any content type and at most 10 MB, becomes the file at `path` in the run's artifact root
 * (through the proxy destination for `mlflow-artifacts:` runs). Checks and messages follow MLflow, in its
 * order: run, path, path safety, size, non-empty body; the answer is an empty JSON response. An
 * encapsulated plugin, so its raw-body parser stays inside.
 */
export const uploadArtifactRoute: FastifyPluginAsyncTypebox = async (app) => {
  // The body is raw bytes: this plugin's parser hands the stream over instead of parsing JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.route({
    method: 'POST',
    url: '/upload-artifact',
    schema: { querystring: UploadArtifactQuery },
    handler: async (request, reply) => {
      const query = request.query;
      const runId = query.run_uuid || query.run_id;
      if (!runId) throw MlflowError.invalidParameterValue('Request must specify run_uuid.');
      if (!query.path) throw MlflowError.invalidParameterValue('Request must specify path.');
      const path = normalizeArtifactPath(query.path);
      if (path === '') throw MlflowError.invalidParameterValue('Request must specify path.');
      // Past the limit the rest of the body is left unread, so that answer closes the connection.
      reply.header('connection', 'close');
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > UPLOAD_ARTIFACT_LIMIT) throw tooLarge();
      const data = await readBody((request.body ?? request.raw) as Readable);
      reply.removeHeader('connection');
      if (data.length === 0) throw MlflowError.invalidParameterValue('Request must specify data.');
      const run = await app.store.getRun(runId);
      const repository = repositoryFor(app.artifacts, run.info.artifactUri);
      await repository.writeArtifact(path, Readable.from([data]), { size: data.length });
      // MLflow answers an empty body typed as JSON.
      return reply.type('application/json').send('');
    },
  });
};
