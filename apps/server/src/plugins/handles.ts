import { MlflowError, type RegistryStore, type TrackingStore } from '@flowline/core';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ArtifactAccess } from '../artifact-access.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The tracking store every route uses. */
    store: TrackingStore;
    /** The model registry, or null when the server has none. */
    registry: RegistryStore | null;
    /** Artifact repositories and the proxy destination. */
    artifacts: ArtifactAccess;
  }
}

/** The handles every route area shares. */
export interface SharedHandles {
  store: TrackingStore;
  registry: RegistryStore | null;
  artifacts: ArtifactAccess;
}

/**
 * Decorates the shared handles once, on the instance it is registered on (not encapsulated: the marker
 * fastify-plugin sets), so every route area reads them as `request.server.store` and so on.
 */
export const sharedHandles: FastifyPluginAsync<SharedHandles> = Object.assign(
  async (app: FastifyInstance, handles: SharedHandles) => {
    app.decorate('store', handles.store);
    app.decorate('registry', handles.registry);
    app.decorate('artifacts', handles.artifacts);
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'shared-handles' },
);

/** The registry, or MLflow's answer when the server has none. */
export function registryOf(handles: Pick<SharedHandles, 'registry'>): RegistryStore {
  if (!handles.registry)
    throw MlflowError.invalidParameterValue('This server has no model registry store configured.');
  return handles.registry;
}
