import { sampledHistory } from '../api/endpoints.js';
import type { MetricWithRunId } from '../api/types.js';

/** The server's ceiling on run ids per `get-history-bulk-interval` call (MLflow's is 100 too). */
export const RUNS_PER_CALL = 100;

/** Splits `items` into chunks of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const cache = new Map<string, Promise<MetricWithRunId[]>>();

/**
 * One metric's sampled history for any number of runs: `get-history-bulk-interval` in calls of up to 100
 * runs each, sent together; answers are cached per batch for the page's life, so reordering or re-adding
 * charts does not ask again (a reload does).
 */
export async function bulkHistory(
  runIds: readonly string[],
  metricKey: string,
  maxResults: number,
): Promise<MetricWithRunId[]> {
  const parts = await Promise.all(
    chunks(runIds, RUNS_PER_CALL).map((batch) => {
      const key = `${metricKey}\u0000${maxResults}\u0000${batch.join(',')}`;
      let pending = cache.get(key);
      if (!pending) {
        pending = sampledHistory(batch, metricKey, maxResults);
        pending.catch(() => cache.delete(key));
        cache.set(key, pending);
      }
      return pending;
    }),
  );
  return parts.flat();
}
