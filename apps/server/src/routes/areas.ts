import type { FastifyPluginAsync } from 'fastify';
import { apiRoutes } from '../api-route.js';
import { AJAX_PREFIX, AJAX_V3_PREFIX, API_AREAS, API_PREFIXES, ARTIFACT_PREFIXES } from './api-areas.js';
import { artifactFileRoutes, artifactProxyRoutes } from './artifact-proxy.js';
import { graphqlRoutes } from './graphql.js';
import { loggedModelArtifactFileRoute } from './logged-models-artifacts.js';
import { modelVersionArtifactRoute } from './model-version-artifacts.js';
import { getArtifactRoute } from './run-artifacts.js';
import { traceArtifactRoute } from './traces-artifact.js';
import { uploadArtifactRoute } from './upload-artifact.js';

/** The artifact proxy: its JSON endpoints and its raw file routes. */
const artifactProxy: FastifyPluginAsync = async (app) => {
  await app.register(apiRoutes(artifactProxyRoutes));
  await app.register(artifactFileRoutes);
};

/**
 * Every route area of the tracking server with the prefixes it is served under ('' is the root). Built per
 * server, so the GraphQL limits are read from the environment when the server is built.
 */
const areas = (): ReadonlyArray<{ plugin: FastifyPluginAsync; prefixes: readonly string[] }> => [
  ...Object.values(API_AREAS).map((area) => ({ plugin: apiRoutes(area.routes), prefixes: area.prefixes })),
  // MLflow serves these two at the root too.
  { plugin: getArtifactRoute, prefixes: [AJAX_PREFIX, ''] },
  { plugin: modelVersionArtifactRoute, prefixes: [...API_PREFIXES, ''] },
  { plugin: uploadArtifactRoute, prefixes: [AJAX_PREFIX] },
  { plugin: traceArtifactRoute, prefixes: [AJAX_PREFIX, AJAX_V3_PREFIX] },
  { plugin: loggedModelArtifactFileRoute, prefixes: [AJAX_PREFIX] },
  { plugin: apiRoutes(graphqlRoutes()), prefixes: [''] },
  { plugin: artifactProxy, prefixes: ARTIFACT_PREFIXES },
];

/**
 * Registers every route area as an encapsulated plugin under each of its prefixes. Their handlers reach the
 * stores and artifact access through the handles decorated once on the root (`sharedHandles`).
 */
export const areaRoutes: FastifyPluginAsync = async (app) => {
  for (const { plugin, prefixes } of areas()) {
    for (const prefix of prefixes) await app.register(plugin, { prefix });
  }
};
