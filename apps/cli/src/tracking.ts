import type { HttpOptions, HttpRetry } from '@flowline/client';
import { MlflowError, type RegistryStore, type TrackingStore } from '@flowline/core';
import type { GlobalOptions } from './commands/globals.js';

// The client and the stores load on first use, so `--help` loads none of them.

/**
 * The tracking URI a command uses: --tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite file. An
 * MLflow file store (`./mlruns`) is refused with how to import it.
 */
export async function trackingUri(option: string | undefined): Promise<string> {
  const { DEFAULT_TRACKING_URI, isHttpUri } = await import('@flowline/client');
  const uri = option ?? process.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  if (isHttpUri(uri)) return uri;
  const { fileStoreHint } = await import('@flowline/db');
  const hint = fileStoreHint(uri);
  if (hint) throw MlflowError.invalidParameterValue(hint);
  return uri;
}

/** The HTTP settings of MLFLOW_HTTP_* and the credentials, reporting each retry on stderr. */
export async function cliHttpOptions(option: string | undefined): Promise<HttpOptions> {
  const { httpOptionsFromEnv } = await import('@flowline/client');
  const source = option === undefined ? 'MLFLOW_TRACKING_URI' : '--tracking-uri';
  return { ...httpOptionsFromEnv(), onRetry: (retry) => process.stderr.write(retryLine(retry, source)) };
}

/** What a retry looks like on stderr: the first says what failed and where the URL came from. */
export function retryLine(retry: HttpRetry, source: string): string {
  const what =
    retry.status === undefined
      ? `cannot connect to the tracking server at ${retry.url} (${retry.reason})`
      : `the tracking server at ${retry.url} answered ${retry.reason}`;
  const wait = `retrying in ${(retry.delayMs / 1000).toFixed(1)} s (attempt ${retry.attempt + 1} of ${retry.attempts})`;
  if (retry.attempt > 1) return `flowline: still ${what}; ${wait}…\n`;
  return (
    `flowline: ${what}. The URL comes from ${source}; is a server running there (flowline server)? ` +
    `${wait[0]!.toUpperCase()}${wait.slice(1)}; MLFLOW_HTTP_REQUEST_MAX_RETRIES sets how many (0: fail at once)…\n`
  );
}

/** A command's tracking store with its URI and HTTP settings; the caller closes the store. */
export async function openTracking(
  g: GlobalOptions,
): Promise<{ uri: string; http: HttpOptions; store: TrackingStore }> {
  const uri = await trackingUri(g.trackingUri);
  const http = await cliHttpOptions(g.trackingUri);
  const { openStore } = await import('@flowline/client');
  return { uri, http, store: await openStore(uri, http) };
}

/** The model registry beside an open tracking store (REST for a server, SQL for a database). */
export async function openTrackingRegistry(tracking: {
  uri: string;
  http: HttpOptions;
  store: TrackingStore;
}): Promise<RegistryStore> {
  const { openRegistry } = await import('@flowline/client');
  return openRegistry(tracking.uri, { http: tracking.http, trackingStore: tracking.store });
}

/** Runs `fn` with the command's tracking store (a server or a database) and closes it afterwards. */
export async function withStore<T>(g: GlobalOptions, fn: (store: TrackingStore) => Promise<T>): Promise<T> {
  const { store } = await openTracking(g);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
