import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlRegistryStore } from '@flowline/registry';
import type { StoreTarget } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { buildServer, createArtifactAccess } from '../src/index.js';

/** A server on real tracking and registry stores in one fresh database, with artifacts in a temp folder. */
export interface StoreServer {
  app: FastifyInstance;
  tracking: SqlTrackingStore;
  registry: SqlRegistryStore;
  /** The temp folder: `root/` is the default artifact root, `proxy/` the proxy destination (if served). */
  dir: string;
  close(): Promise<void>;
}

/**
 * Opens the stores on `target` and builds the server. With `proxy`, runs get `mlflow-artifacts:/` URIs
 * served from `<dir>/proxy`, as `flowline server` does by default; without it, plain local paths.
 */
export async function storeServer(
  target: StoreTarget,
  options: { proxy?: boolean } = {},
): Promise<StoreServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-server-'));
  const database = await target.createDatabase();
  const tracking = await SqlTrackingStore.open(database.uri, {
    defaultArtifactRoot: options.proxy ? 'mlflow-artifacts:/' : join(dir, 'root'),
  });
  const registry = await SqlRegistryStore.open(database.uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  const app = await buildServer({
    store: tracking,
    registry,
    artifacts: createArtifactAccess(options.proxy ? join(dir, 'proxy') : null),
    webRoot: null,
  });
  return {
    app,
    tracking,
    registry,
    dir,
    async close() {
      await app.close();
      await registry.close();
      await tracking.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
