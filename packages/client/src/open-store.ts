import { MlflowError, type TrackingStore } from '@flowline/core';
import { type HttpOptions, httpOptionsFromEnv } from './http.js';
import { TrackingClient } from './tracking-client.js';

/** The tracking URI when none is set: MLflow 3's local default, a SQLite file in the working folder. */
export const DEFAULT_TRACKING_URI = 'sqlite:///mlflow.db';

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
    let mod: { openTrackingStore(uri: string): Promise<TrackingStore> };
    try {
      mod = (await import('@flowline/tracking-store')) as typeof mod;
    } catch (cause) {
      throw MlflowError.invalidParameterValue(
        `Logging straight to '${uri}' needs the @flowline/tracking-store package. Install it, or point ` +
          'MLFLOW_TRACKING_URI at a tracking server (http://…).',
        { cause },
      );
    }
    return mod.openTrackingStore(uri);
  }
  throw MlflowError.invalidParameterValue(
    `Unsupported tracking URI '${uri}'. Use http(s)://host:port for a server, or sqlite:///file.db / ` +
      'postgresql://… to write to a database directly.',
  );
}
