import type { TrackingStore } from '@flowline/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { createArtifactAccess } from '../src/artifact-access.js';
import { mlflowErrors, registerErrorHandling } from '../src/plugins/errors.js';
import { sharedHandles } from '../src/plugins/handles.js';
import { registerJsonBody } from '../src/plugins/json-body.js';
import { type OtlpTracesOptions, otlpTracesRoute } from '../src/routes/otlp-traces.js';

/**
 * A server with the OTLP route as the tracking server has it: the shared handles, MLflow's error JSON and
 * the app-wide JSON body parser that the route's own raw parser must override.
 */
export async function otlpServer(
  tracking: TrackingStore,
  options: OtlpTracesOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  await app.register(sharedHandles, {
    store: tracking,
    registry: null,
    artifacts: createArtifactAccess(null),
  });
  registerErrorHandling(app, { format: mlflowErrors() });
  registerJsonBody(app, 1024 * 1024);
  await app.register(otlpTracesRoute, options);
  await app.ready();
  return app;
}
