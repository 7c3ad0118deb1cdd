import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorCode, MlflowError } from '@flowline/core';
import { repositoryFor } from '../artifact-access.js';
import { sendArtifact } from './artifact-proxy.js';
import { LoggedModelRequests } from './logged-models-schemas.js';
import { loggedModelStoreOf } from './logged-models-wire.js';

/**
 * `GET /logged-models/<model_id>/artifacts/files?artifact_file_path=`: one file of a logged model, as a
 * download from its artifact location (MLflow's `get_logged_model_artifact_handler`, served under the web
 * UI's /ajax-api only). The path is checked as every artifact path is.
 */
export const loggedModelArtifactFileRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: 'GET',
    url: '/logged-models/:model_id/artifacts/files',
    schema: { querystring: LoggedModelRequests.artifactFile },
    handler: async (request, reply) => {
      const path = request.query.artifact_file_path;
      if (!path) {
        throw new MlflowError(
          ErrorCode.BAD_REQUEST,
          'Request must include the "artifact_file_path" query parameter.',
        );
      }
      const { model_id: modelId } = request.params as { model_id: string };
      const model = await loggedModelStoreOf(app.store).getLoggedModel(modelId);
      return sendArtifact(reply, repositoryFor(app.artifacts, model.artifactLocation), path);
    },
  });
};
