import { authHeadersFromEnv } from '@flowline/core';
import type { LoadModelContext } from '@flowline/model-format';
import type { GlobalOptions } from './commands/globals.js';
import { openTracking, openTrackingRegistry, trackingUri } from './tracking.js';

/**
 * What `loadModel` needs to reach the model at `uri`: for `runs:/` and `models:/`, the tracking store and
 * registry of the tracking URI (artifact-store's resolver looks them up); always, artifact repositories
 * that reach the tracking server's proxy. `close` releases the stores.
 */
export async function openModelContext(
  uri: string,
  g: GlobalOptions,
): Promise<{ context: LoadModelContext; close(): Promise<void> }> {
  const needsStores = /^(runs|models):/.test(uri);
  const opened = needsStores ? await openTracking(g) : undefined;
  const tracking = opened?.uri ?? (await trackingUri(g.trackingUri));
  const store = opened?.store;
  const registry = opened ? await openTrackingRegistry(opened) : undefined;
  const { openArtifactRepository } = await import('@flowline/client');
  return {
    context: {
      store,
      registry,
      openRepository: (artifactUri) =>
        openArtifactRepository(artifactUri, {
          store,
          trackingUri: tracking,
          headers: authHeadersFromEnv(),
          registry,
        }),
    },
    async close() {
      await registry?.close();
      await store?.close();
    },
  };
}
