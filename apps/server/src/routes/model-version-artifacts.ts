import { normalizeArtifactPath, resolveRunsUri } from '@flowline/artifact-store';
import { type ArtifactRepository, MlflowError, type RegistryStore } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type ArtifactAccess, repositoryFor } from '../artifact-access.js';
import { required } from '../inputs.js';
import { sendArtifact } from './artifact-proxy.js';

/** The query of `model-versions/get-artifact` (MLflow's `get_model_version_artifact_handler`). */
export const ModelVersionArtifactQuery = Type.Object({
  name: Type.Optional(Type.String()),
  version: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  path: Type.Optional(Type.String()),
});

/** The registry, or MLflow's answer when the server has none. */
export function requireRegistry(registry: RegistryStore | null): RegistryStore {
  if (!registry)
    throw MlflowError.invalidParameterValue('This server has no model registry store configured.');
  return registry;
}

/**
 * The repository holding a model version's files, from its download URI (`storage_location`, else
 * `source`). A `runs:/` URI is resolved through the tracking store first, as MLflow's artifact resolver does.
 */
export async function modelVersionRepository(
  app: FastifyInstance,
  access: ArtifactAccess,
  registry: RegistryStore,
  name: string,
  version: string,
): Promise<ArtifactRepository> {
  let uri = await registry.getModelVersionDownloadUri(name, version);
  if (uri.startsWith('runs:')) uri = (await resolveRunsUri(uri, app.store)).artifactUri;
  return repositoryFor(access, uri);
}

/**
 * `GET /model-versions/get-artifact?name=&version=&path=`: one file of a registered model version as a
 * download (the route MLflow's UI reads `MLmodel` and other version files from). The path is checked before
 * any I/O; the file goes out as `get-artifact` sends run files (guessed type, attachment, `nosniff`).
 */
export async function modelVersionArtifactRoute(
  app: FastifyInstance,
  options: { access: ArtifactAccess; registry: RegistryStore | null },
): Promise<void> {
  app.get(
    '/model-versions/get-artifact',
    { schema: { querystring: ModelVersionArtifactQuery } },
    async (request, reply) => {
      const input = request.query as { name?: string; version?: string | number; path?: string };
      const name = required(input.name, 'name');
      const version = required(input.version === undefined ? undefined : String(input.version), 'version');
      const path = normalizeArtifactPath(required(input.path, 'path'));
      const repository = await modelVersionRepository(
        app,
        options.access,
        requireRegistry(options.registry),
        name,
        version,
      );
      return sendArtifact(reply, repository, path);
    },
  );
}
