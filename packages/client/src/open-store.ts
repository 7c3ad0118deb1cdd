import { importOptional, type LoggedModelStore, MlflowError, type TrackingStore } from '@flowline/core';
import { type HttpOptions, httpOptionsFromEnv } from './http.js';
import { TrackingClient } from './tracking-client.js';

/** The tracking URI when none is set: MLflow 3's local default, a SQLite file in the working folder. */
export const DEFAULT_TRACKING_URI = 'sqlite:///mlflow.db';

// The database behind each SQL tracking store `openStore` opened, so a registry opened for the same URI
// (`openRegistry(uri, { trackingStore })`) shares its pool and migration instead of opening another.
const databases = new WeakMap<
  TrackingStore,
  { uri: string; database: import('@flowline/tracking-store').OpenDatabase }
>();

/** True for URIs served over HTTP by a tracking server. */
export function isHttpUri(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

/**
 * A `TrackingStore` for a tracking URI: `http(s)://` → the REST client; `sqlite:///…` / `postgresql://…` →
 * the SQL store in this process (needs `@flowline/tracking-store` installed; it loads on first use).
 */
export async function openStore(
  uri: string,
  http: HttpOptions = httpOptionsFromEnv(),
): Promise<TrackingStore> {
  if (isHttpUri(uri)) return new TrackingClient(uri, http);
  if (/^(sqlite|postgres|postgresql)(\+[a-z0-9_]+)?:/i.test(uri)) {
    const mod = await importOptional(
      '@flowline/tracking-store',
      `to log straight to '${uri}' (or point MLFLOW_TRACKING_URI at a tracking server, http://…)`,
      () => import('@flowline/tracking-store'),
    );
    const store = await mod.SqlTrackingStore.open(uri);
    databases.set(store, { uri, database: store.database });
    return store;
  }
  throw MlflowError.invalidParameterValue(
    `Unsupported tracking URI '${uri}'. Use http(s)://host:port for a server, or sqlite:///file.db / ` +
      'postgresql://… to write to a database directly.',
  );
}

/**
 * A `RegistryStore` for a registry URI: `http(s)://` → the REST client; a database URI → the SQL registry in
 * this process (needs `@flowline/registry`; sources are then checked against `trackingStore`'s runs). When
 * `trackingStore` is the SQL store `openStore` opened for the same URI, the registry is created on its
 * database (one pool, one migration) and closing the registry leaves that database to the tracking store.
 */
export async function openRegistry(
  uri: string,
  options: { http?: HttpOptions; trackingStore?: TrackingStore } = {},
): Promise<import('@flowline/core').RegistryStore> {
  if (isHttpUri(uri)) {
    const { RegistryClient } = await import('./registry-client.js');
    return new RegistryClient(uri, options.http ?? httpOptionsFromEnv());
  }
  const mod = await importOptional(
    '@flowline/registry',
    `to use the model registry in '${uri}' directly (or point at a tracking server, http://…)`,
    () => import('@flowline/registry'),
  );
  const tracking = options.trackingStore;
  // Versions from models:/<model_id> link to the tracking store's logged models when it keeps them.
  const loggedModels =
    tracking && 'getLoggedModel' in tracking && 'setLoggedModelTags' in tracking
      ? (tracking as TrackingStore & Pick<LoggedModelStore, 'getLoggedModel' | 'setLoggedModelTags'>)
      : undefined;
  const registryOptions = tracking
    ? {
        sources: {
          runArtifactUri: async (id: string) => (await tracking.getRun(id)).info.artifactUri,
          ...(loggedModels ? { loggedModels } : {}),
        },
      }
    : {};
  const shared = tracking ? databases.get(tracking) : undefined;
  if (shared?.uri === uri) return mod.SqlRegistryStore.create(shared.database, registryOptions);
  return mod.SqlRegistryStore.open(uri, registryOptions);
}
