import { ErrorCode, MlflowError, type TraceStore, type TrackingStore } from '@flowline/core';

/**
 * The tracking store's trace methods. The server is given a `TrackingStore`; Flowline's SQL store also keeps
 * traces, and a store that does not is answered as MLflow answers for a store without tracing (501).
 */
export function traceStoreOf(store: TrackingStore): TraceStore {
  const candidate = store as TrackingStore & Partial<TraceStore>;
  if (typeof candidate.startTrace !== 'function' || typeof candidate.searchTraces !== 'function') {
    throw new MlflowError(
      ErrorCode.NOT_IMPLEMENTED,
      'This tracking store does not keep traces. Serve a SQL tracking store (sqlite:// or postgresql://) to use the trace API.',
    );
  }
  return candidate as TrackingStore & TraceStore;
}
