import type { Readable } from 'node:stream';
import { normalizeArtifactPath, S3ArtifactRepository } from '@flowline/artifact-store';
import { type ArtifactRepository, ErrorCode, MlflowError } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { apiRoute } from '../api-route.js';
import { notServing } from '../artifact-access.js';
import { artifactContentType, attachmentDisposition } from '../artifact-headers.js';
import { required } from '../inputs.js';
import { wasCutOff } from '../plugins/idle-body.js';

/** Streams an artifact as a download: guessed type, attachment disposition, known length. */
export async function sendArtifact(
  reply: FastifyReply,
  repository: ArtifactRepository,
  path: string,
): Promise<FastifyReply> {
  const relative = normalizeArtifactPath(path);
  const { stream, size } = await repository.openArtifact(relative);
  const name = relative.split('/').at(-1) || 'artifact';
  reply.header('content-type', artifactContentType(name));
  reply.header('content-disposition', attachmentDisposition(name));
  reply.header('x-content-type-options', 'nosniff');
  if (size !== undefined) reply.header('content-length', String(size));
  return reply.send(stream);
}

function multipartCapable(repository: ArtifactRepository | null): S3ArtifactRepository {
  if (repository instanceof S3ArtifactRepository) return repository;
  throw new MlflowError(
    ErrorCode.NOT_IMPLEMENTED,
    // MLflow's client falls back to a single PUT only when the message starts with exactly this sentence.
    'Multipart upload is not supported for the current artifact repository. Upload the file with a single PUT instead.',
  );
}

const Parts = Type.Array(
  Type.Object({
    part_number: Type.Integer({ minimum: 1 }),
    etag: Type.String(),
    url: Type.Optional(Type.String()),
  }),
);

/** The proxy destination (`--artifacts-destination`), or MLflow's answer when the proxy is off. */
function destination(request: FastifyRequest): ArtifactRepository {
  const repository = request.server.artifacts.destination;
  if (!repository) throw notServing();
  return repository;
}

/** A multipart call's file: the path after the route, else the `path` field. */
function mpuPath(request: FastifyRequest, input: { path?: string }): string {
  const rest = (request.params as Record<string, string>)['*'];
  return normalizeArtifactPath(rest || required(input.path, 'path'));
}

/** The proxy's JSON endpoints: listing and MLflow's multipart upload calls. */
export const artifactProxyRoutes = [
  apiRoute({
    method: 'GET',
    url: '/artifacts',
    schema: { request: Type.Object({ path: Type.Optional(Type.String()) }), response: Type.Any() },
    handler: async (input, request) => {
      const files = await destination(request).listArtifacts(normalizeArtifactPath(input.path));
      return files.length === 0
        ? {}
        : {
            files: files.map((f) => ({
              path: f.path.split('/').at(-1),
              is_dir: f.isDir,
              ...(f.isDir ? {} : { file_size: f.fileSize }),
            })),
          };
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/mpu/create/*',
    schema: {
      request: Type.Object({
        path: Type.Optional(Type.String()),
        num_parts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      }),
      response: Type.Any(),
    },
    handler: async (input, request) => {
      const repository = multipartCapable(destination(request));
      const { uploadId, parts } = await repository.createMultipartUpload(
        mpuPath(request, input),
        input.num_parts ?? 1,
      );
      return {
        upload_id: uploadId,
        credentials: parts.map((p) => ({ url: p.url, part_number: p.partNumber, headers: p.headers })),
      };
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/mpu/complete/*',
    schema: {
      request: Type.Object({
        path: Type.Optional(Type.String()),
        upload_id: Type.Optional(Type.String()),
        parts: Type.Optional(Parts),
      }),
      response: Type.Any(),
    },
    handler: async (input, request) => {
      await multipartCapable(destination(request)).completeMultipartUpload(
        mpuPath(request, input),
        required(input.upload_id, 'upload_id'),
        (input.parts ?? []).map((p) => ({ partNumber: p.part_number, etag: p.etag })),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'POST',
    url: '/mpu/abort/*',
    schema: {
      request: Type.Object({ path: Type.Optional(Type.String()), upload_id: Type.Optional(Type.String()) }),
      response: Type.Any(),
    },
    handler: async (input, request) => {
      await multipartCapable(destination(request)).abortMultipartUpload(
        mpuPath(request, input),
        required(input.upload_id, 'upload_id'),
      );
      return {};
    },
  }),
];

/**
 * The proxy's file routes under `/api/2.0/mlflow-artifacts`: download, upload (raw streamed body) and
 * delete of `artifacts/<path>`, relative to `--artifacts-destination` and checked first. An encapsulated
 * plugin: uploads are raw bytes of any type, streamed to the destination, so no parser may buffer them.
 */
export const artifactFileRoutes: FastifyPluginAsync = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const pathOf = (request: FastifyRequest) =>
    normalizeArtifactPath((request.params as Record<string, string>)['*'] ?? '');

  app.route({
    method: 'GET',
    url: '/artifacts/*',
    handler: async (request, reply) => sendArtifact(reply, destination(request), pathOf(request)),
  });
  app.route({
    method: 'PUT',
    url: '/artifacts/*',
    handler: async (request, reply) => {
      const path = pathOf(request);
      if (path === '') throw MlflowError.invalidParameterValue('Upload needs a file path after /artifacts/.');
      const body = (request.body ?? request.raw) as Readable;
      const length = request.headers['content-length'];
      try {
        await destination(request).writeArtifact(path, body, { size: length ? Number(length) : undefined });
      } catch (error) {
        // Cut off by the body idle timer: its 408 is the answer (sent or on its way), and the failed write
        // is that cut, which kept nothing. Returning the reply waits for that answer instead of a second one.
        if (!wasCutOff(request.raw)) throw error;
        request.log.info(
          { path },
          'upload cut off by the body idle timeout (a client stall); nothing stored',
        );
        return reply;
      }
      return {};
    },
  });
  app.route({
    method: 'DELETE',
    url: '/artifacts/*',
    handler: async (request) => {
      await destination(request).deleteArtifacts(pathOf(request));
      return {};
    },
  });
};
