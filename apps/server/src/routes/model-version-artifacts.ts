import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createArtifactResolver, normalizeArtifactPath, storeLookups } from '@flowline/artifact-store';
import type { ArtifactRepository } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { required } from '../inputs.js';
import { registryOf } from '../plugins/handles.js';
import { sendArtifact } from './artifact-proxy.js';

/** The query of `model-versions/get-artifact` (MLflow's `get_model_version_artifact_handler`). */
export const ModelVersionArtifactQuery = Type.Object({
  name: Type.Optional(Type.String()),
  version: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  path: Type.Optional(Type.String()),
});

/**
 * The repository holding a model version's files, from its download URI (`storage_location`, else
 * `source`), through the one artifact resolver: a `runs:/` URI goes through the tracking store first, as
 * MLflow's artifact resolver does, then the server's scheme registry.
 */
export async function modelVersionRepository(
  app: FastifyInstance,
  name: string,
  version: string,
): Promise<ArtifactRepository> {
  const uri = await registryOf(app).getModelVersionDownloadUri(name, version);
  const resolver = createArtifactResolver({
    repositories: app.artifacts.registry,
    ...storeLookups({ store: app.store }),
  });
  return resolver.open(uri);
}

/**
 * `GET /model-versions/get-artifact?name=&version=&path=`: one file of a registered model version as a
 * download (the route MLflow's UI reads `MLmodel` and other version files from). The path is checked before
 * any I/O; the file goes out as `get-artifact` sends run files (guessed type, attachment, `nosniff`).
 */
export const modelVersionArtifactRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: 'GET',
    url: '/model-versions/get-artifact',
    schema: { querystring: ModelVersionArtifactQuery },
    handler: async (request, reply) => {
      const input = request.query;
      const name = required(input.name, 'name');
      const version = required(input.version === undefined ? undefined : String(input.version), 'version');
      const path = normalizeArtifactPath(required(input.path, 'path'));
      return sendArtifact(reply, await modelVersionRepository(app, name, version), path);
    },
  });
};
