import { DEFAULT_TRACKING_URI, openStore } from '@flowline/client';
import type { TrackingStore } from '@flowline/core';

/** The tracking URI a command uses: --tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite file. */
export function trackingUri(option: string | undefined): string {
  return option ?? process.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
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
