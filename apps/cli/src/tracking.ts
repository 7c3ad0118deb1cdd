import { DEFAULT_TRACKING_URI, openStore } from '@flowline/client';
import { MlflowError, type TrackingStore } from '@flowline/core';
import { fileStoreHint } from '@flowline/db';

/**
 * The tracking URI a command uses: --tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite file. An
 * MLflow file store (`./mlruns`) is refused with how to import it.
 */
export function trackingUri(option: string | undefined): string {
  const uri = option ?? process.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  const hint = fileStoreHint(uri);
  if (hint) throw MlflowError.invalidParameterValue(hint);
  return uri;
}

/** Runs `fn` with the store for the tracking URI (a server or a database) and closes it afterwards. */
export async function withStore<T>(uri: string, fn: (store: TrackingStore) => Promise<T>): Promise<T> {
  const store = await openStore(uri);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
