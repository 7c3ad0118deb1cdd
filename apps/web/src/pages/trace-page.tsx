import { useEffect, useMemo } from 'react';
import { ApiError } from '../api/client.js';
import { getExperiment } from '../api/endpoints.js';
import { type AssessmentJson, getTraceInfo, getTraceSpans, type TraceInfoJson } from '../api/traces.js';
import { Link } from '../components/link.js';
import { RunName } from '../components/run-name.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { TraceAssessments } from '../components/trace-assessments.js';
import { SpanDetail } from '../components/trace-span-detail.js';
import { TraceStateCell } from '../components/trace-table.js';
import { TraceWaterfall } from '../components/trace-waterfall.js';
import { formatTime } from '../lib/format.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import {
  executionMs,
  formatTokens,
  previewText,
  readAssessment,
  requestTimeMs,
  sourceRunOf,
  tokenUsageOf,
  traceNameOf,
  userTags,
} from '../lib/trace-info.js';
import { buildSpanTree, readSpans } from '../lib/trace-spans.js';
import { formatNanos } from '../lib/trace-waterfall.js';
import { useAsync } from '../lib/use-async.js';
import { KeyValueTable } from './run-page.js';
import './traces.css';

/**
 * One trace (MLflow's trace view): its info, the span tree as a waterfall, the selected span's inputs,
 * outputs, attributes and events (`span` in the URL), and the trace's assessments.
 */
export function TracePage({
  experimentId,
  traceId,
  location,
}: {
  experimentId: string;
  traceId: string;
  location: Location;
}) {
  const info = useAsync((signal) => getTraceInfo(traceId, signal), [traceId]);
  const spans = useAsync(async (signal) => readSpans(await getTraceSpans(traceId, signal)), [traceId]);
  const experiment = useAsync((signal) => getExperiment(experimentId, signal), [experimentId]);
  const rows = useMemo(() => buildSpanTree(spans.data ?? []), [spans.data]);
  const spanParam = location.query.get('span');
  const selected = rows.find((r) => r.span.spanId === spanParam)?.span ?? rows[0]?.span;
  const traceStart = useMemo(
    () =>
      rows.reduce<bigint | undefined>(
        (min, r) => (min === undefined || r.span.startNs < min ? r.span.startNs : min),
        undefined,
      ),
    [rows],
  );
  const select = (spanId: string) => navigate(hrefWith(location, { span: spanId }), { replace: true });
  useEffect(() => {
    if (selected && spanParam && selected.spanId !== spanParam) select(selected.spanId);
  });

  if (info.error) return <ErrorBox error={info.error} />;
  if (!info.data) return <Loading what="Loading trace" />;
  const t = info.data;
  // The route schema leaves trace_info's assessments untyped; they are MLflow's `Assessment` JSON.
  const assessments = ((t.assessments ?? []) as Partial<AssessmentJson>[]).map(readAssessment);
  const name = traceNameOf(t) ?? t.trace_id;
  return (
    <section className="trace-page" aria-label={`Trace ${t.trace_id}`}>
      <nav className="crumbs">
        <Link href={`/experiments/${experimentId}`}>
          {experiment.data?.experiment_id === experimentId
            ? experiment.data.name
            : `Experiment ${experimentId}`}
        </Link>{' '}
        › <Link href={`/experiments/${experimentId}/traces`}>Traces</Link> › <span>{t.trace_id}</span>
      </nav>
      <header className="page-head">
        <h1>{name}</h1>
        <TraceStateCell state={t.state} />
      </header>
      <TraceFacts info={t} experimentId={experimentId} />
      <h2 className="section-title">Spans</h2>
      {spans.error instanceof ApiError && spans.error.code === 'RESOURCE_DOES_NOT_EXIST' ? (
        // A trace whose client never wrote its spans (or not yet): say so, not as a failure.
        <Empty>
          No span data is stored for this trace. <span className="muted">{spans.error.message}</span>
        </Empty>
      ) : spans.error ? (
        <ErrorBox error={spans.error} />
      ) : null}
      {spans.loading && !spans.data ? <Loading what="Loading spans" /> : null}
      {spans.data && rows.length === 0 ? <Empty>This trace has no spans.</Empty> : null}
      {rows.length > 0 && selected && traceStart !== undefined ? (
        <div className="trace-split">
          <TraceWaterfall rows={rows} selected={selected.spanId} onSelect={select} />
          <SpanDetail key={selected.spanId} span={selected} traceStartNs={traceStart} />
        </div>
      ) : null}
      <h2 className="section-title">Assessments ({assessments.length})</h2>
      <TraceAssessments
        assessments={assessments}
        onSelectSpan={(id) => (rows.some((r) => r.span.spanId === id) ? select(id) : undefined)}
      />
    </section>
  );
}

function TraceFacts({ info, experimentId }: { info: TraceInfoJson; experimentId: string }) {
  const ms = executionMs(info);
  const run = sourceRunOf(info);
  const tokens = formatTokens(tokenUsageOf(info.trace_metadata));
  const metadata = Object.entries(info.trace_metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="trace-facts">
      <dl className="facts">
        <dt>Trace ID</dt>
        <dd>
          <code>{info.trace_id}</code>
        </dd>
        {info.client_request_id ? (
          <>
            <dt>Client request ID</dt>
            <dd>
              <code>{info.client_request_id}</code>
            </dd>
          </>
        ) : null}
        <dt>Request time</dt>
        <dd>{formatTime(requestTimeMs(info)) || '—'}</dd>
        <dt>Latency</dt>
        <dd>
          {ms === undefined ? (info.state === 'IN_PROGRESS' ? 'Still running' : '—') : formatNanos(ms * 1e6)}
        </dd>
        <dt>Tokens</dt>
        <dd>{tokens || '—'}</dd>
        {run ? (
          <>
            <dt>Run</dt>
            <dd>
              <Link href={`/experiments/${experimentId}/runs/${encodeURIComponent(run)}?tab=traces`}>
                <RunName runId={run} />
              </Link>
            </dd>
          </>
        ) : null}
        <dt>Request</dt>
        <dd className="trace-preview-full">{previewText(info.request_preview, 1000) || '—'}</dd>
        <dt>Response</dt>
        <dd className="trace-preview-full">{previewText(info.response_preview, 1000) || '—'}</dd>
      </dl>
      <details className="trace-more">
        <summary>
          Tags ({userTags(info.tags).length}) and metadata ({metadata.length})
        </summary>
        <h3>Tags</h3>
        <KeyValueTable
          rows={Object.entries(info.tags ?? {}).sort(([a], [b]) => a.localeCompare(b))}
          empty="No tags."
        />
        <h3>Metadata</h3>
        <KeyValueTable rows={metadata} empty="No metadata." />
      </details>
    </div>
  );
}
