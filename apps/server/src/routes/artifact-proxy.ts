import type { Readable } from 'node:stream';
import { normalizeArtifactPath, S3ArtifactRepository } from '@flowline/artifact-store';
import { type ArtifactRepository, ErrorCode, MlflowError } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notServing } from '../artifact-access.js';
import { artifactContentType, attachmentDisposition } from '../artifact-headers.js';
import { required } from '../inputs.js';
import { endpoint } from '../route.js';

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

/**
 * MLflow's artifact proxy under `/api/2.0/mlflow-artifacts`: download, upload (raw streamed body), delete,
 * listing and the multipart endpoints. Paths are relative to `--artifacts-destination` and checked first.
 */
export async function artifactProxyRoutes(
  app: FastifyInstance,
  options: { destination: ArtifactRepository | null },
): Promise<void> {
  const destination = (): ArtifactRepository => {
    if (!options.destination) throw notServing();
    return options.destination;
  };

  // Uploads are raw bytes of any type, streamed to the destination: no parser may buffer them.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    raw.get('/artifacts/*', async (request, reply) => {
      const path = (request.params as Record<string, string>)['*'] ?? '';
      return sendArtifact(reply, destination(), path);
    });

    raw.put('/artifacts/*', async (request) => {
      const path = normalizeArtifactPath((request.params as Record<string, string>)['*']);
      if (path === '') throw MlflowError.invalidParameterValue('Upload needs a file path after /artifacts/.');
      const body = (request.body ?? request.raw) as Readable;
      const length = request.headers['content-length'];
      await destination().writeArtifact(path, body, { size: length ? Number(length) : undefined });
      return {};
    });

    raw.delete('/artifacts/*', async (request) => {
      const path = normalizeArtifactPath((request.params as Record<string, string>)['*']);
      await destination().deleteArtifacts(path);
      return {};
    });
  });

  endpoint(
    app,
    'GET',
    '/artifacts',
    { input: Type.Object({ path: Type.Optional(Type.String()) }), output: Type.Any() },
    async (input) => {
      const files = await destination().listArtifacts(normalizeArtifactPath(input.path));
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
  );

  const Parts = Type.Array(
    Type.Object({
      part_number: Type.Integer({ minimum: 1 }),
      etag: Type.String(),
      url: Type.Optional(Type.String()),
    }),
  );
  endpoint(
    app,
    'POST',
    '/mpu/create/*',
    {
      input: Type.Object({
        path: Type.Optional(Type.String()),
        num_parts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      }),
      output: Type.Any(),
    },
    async (input, request) => {
      const path = normalizeArtifactPath(
        (request.params as Record<string, string>)['*'] || required(input.path, 'path'),
      );
      const repository = multipartCapable(destination());
      const { uploadId, parts } = await repository.createMultipartUpload(path, input.num_parts ?? 1);
      return {
        upload_id: uploadId,
        credentials: parts.map((p) => ({ url: p.url, part_number: p.partNumber, headers: p.headers })),
      };
    },
  );
  endpoint(
    app,
    'POST',
    '/mpu/complete/*',
    {
      input: Type.Object({
        path: Type.Optional(Type.String()),
        upload_id: Type.Optional(Type.String()),
        parts: Type.Optional(Parts),
      }),
      output: Type.Any(),
    },
    async (input, request) => {
      const path = normalizeArtifactPath(
        (request.params as Record<string, string>)['*'] || required(input.path, 'path'),
      );
      await multipartCapable(destination()).completeMultipartUpload(
        path,
        required(input.upload_id, 'upload_id'),
        (input.parts ?? []).map((p) => ({ partNumber: p.part_number, etag: p.etag })),
      );
      return {};
    },
  );
  endpoint(
    app,
    'POST',
    '/mpu/abort/*',
    {
      input: Type.Object({ path: Type.Optional(Type.String()), upload_id: Type.Optional(Type.String()) }),
      output: Type.Any(),
    },
    async (input, request) => {
      const path = normalizeArtifactPath(
        (request.params as Record<string, string>)['*'] || required(input.path, 'path'),
      );
      await multipartCapable(destination()).abortMultipartUpload(
        path,
        required(input.upload_id, 'upload_id'),
      );
      return {};
    },
  );
}
