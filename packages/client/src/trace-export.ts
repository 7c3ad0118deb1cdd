import type { TraceStore, TrackingStore } from '@flowline/core';
import { type TracingDefaults, toSpanRecord } from '@flowline/tracing';
import { isHttpUri, openStore } from './open-store.js';

type SpanExporter = NonNullable<ReturnType<NonNullable<TracingDefaults['exporterFor']>>>;

/**
 * Spans written straight into a tracking database (`sqlite:///…`, `postgresql://…`) with the store's
 * `logSpans`, as MLflow's SDK writes traces to a local SQL store: the exporter tracing uses when the
 * client's tracking URI is a database. The store is opened on the first batch and closed on shutdown.
 */
export function storeSpanExporter(trackingUri: string, experimentId: string): SpanExporter {
  let store: Promise<TrackingStore> | undefined;
  return {
    export(spans, done) {
      store ??= openStore(trackingUri);
      store
        .then((opened) => {
          const traces = opened as TrackingStore & Partial<TraceStore>;
          if (!traces.logSpans) throw new Error(`The store at ${trackingUri} cannot keep traces.`);
          return traces.logSpans(experimentId, spans.map(toSpanRecord));
        })
        .then(
          () => done({ code: 0 }),
          (error: unknown) => done({ code: 1, error: error as Error }),
        );
    },
    async shutdown() {
      const opened = store;
      store = undefined;
      if (opened) await (await opened).close();
    },
  };
}

/** `exporterFor` of the tracing defaults: databases get `storeSpanExporter`; servers are tracing's own OTLP. */
export function exporterForTrackingUri(trackingUri: string, experimentId: string): SpanExporter | undefined {
  return isHttpUri(trackingUri) ? undefined : storeSpanExporter(trackingUri, experimentId);
}
