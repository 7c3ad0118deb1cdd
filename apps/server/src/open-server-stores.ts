import type { RegistryStore, TrackingStore } from '@flowline/core';
import { SqlRegistryStore } from '@flowline/registry';
import { type OpenDatabase, openDatabase, SqlTrackingStore } from '@flowline/tracking-store';

/** The server's stores on their databases; `close()` closes the stores and then each database once. */
export interface ServerStores {
  store: TrackingStore;
  registry: RegistryStore;
  /** Where the tracking store lives, password masked, for the log. */
  uri: string;
  close(): Promise<void>;
}

/** Options of `openServerStores`. */
export interface ServerStoreOptions {
  backendStoreUri: string;
  /** MLflow's `--registry-store-uri`; default (or the same URI): the backend store's database. */
  registryStoreUri?: string;
  defaultArtifactRoot: string;
  /** Model-version sources must match this (MLflow's source validation regex). */
  sourcePattern?: RegExp;
}

/**
 * Opens the backend store's database once (one pool, one migration) and creates the tracking store and the
 * registry on it; a different `--registry-store-uri` gets a database of its own.
 */
export async function openServerStores(options: ServerStoreOptions): Promise<ServerStores> {
  const databases: OpenDatabase[] = [];
  const closeDatabases = () => Promise.all(databases.map((d) => d.close()));
  try {
    const backend = await openDatabase(options.backendStoreUri);
    databases.push(backend);
    const registryUri = options.registryStoreUri ?? options.backendStoreUri;
    const registryDatabase =
      registryUri === options.backendStoreUri ? backend : await openDatabase(registryUri);
    if (registryDatabase !== backend) databases.push(registryDatabase);
    const store = await SqlTrackingStore.create(backend, {
      defaultArtifactRoot: options.defaultArtifactRoot,
    });
    const registry = await SqlRegistryStore.create(registryDatabase, {
      sources: {
        runArtifactUri: async (id) => (await store.getRun(id)).info.artifactUri,
        sourcePattern: options.sourcePattern,
        // Versions from models:/<model_id> link to MLflow 3 logged models (storage location, mlflow.modelVersions).
        loggedModels: store,
      },
    });
    return {
      store,
      registry,
      uri: backend.uri,
      async close() {
        await registry.close();
        await store.close();
        await closeDatabases();
      },
    };
  } catch (error) {
    await closeDatabases();
    throw error;
  }
}
