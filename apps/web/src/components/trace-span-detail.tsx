import { useState } from 'react';
import { prettyJson } from '../lib/trace-info.js';
import type { SpanView } from '../lib/trace-spans.js';
import { formatNanos } from '../lib/trace-waterfall.js';
import { Empty } from './states.js';
import { TabList } from './tab-list.js';

/** Attributes shown in their own sections, not again in the attribute table. */
const SHOWN_APART = new Set(['mlflow.spanInputs', 'mlflow.spanOutputs']);

const TABS = ['inputs', 'attributes', 'events'] as const;

/** A JSON value in a code block, or a dash when absent. */
function JsonBlock({ value, label }: { value: unknown; label: string }) {
  if (value === undefined || value === null || value === '')
    return <p className="muted">No {label.toLowerCase()}.</p>;
  return (
    <pre className="code span-json" data-label={label}>
      {prettyJson(value)}
    </pre>
  );
}

/** An attribute value on one line when short, pretty JSON when structured. */
function AttributeValue({ value }: { value: unknown }) {
  if (value !== null && typeof value === 'object')
    return <pre className="code span-attr">{prettyJson(value)}</pre>;
  return <code>{String(value)}</code>;
}

/**
 * One span: name, type, status, times; its inputs and outputs (MLflow's `mlflow.spanInputs` /
 * `mlflow.spanOutputs`) as pretty JSON, its attributes and its events (exceptions, streamed chunks).
 */
export function SpanDetail({ span, traceStartNs }: { span: SpanView; traceStartNs: bigint }) {
  const [tab, setTab] = useState<(typeof TABS)[number]>('inputs');
  const attributes = Object.entries(span.attributes)
    .filter(([k]) => !SHOWN_APART.has(k))
    .sort(([a], [b]) => a.localeCompare(b));
  const duration = span.endNs === undefined ? undefined : Number(span.endNs - span.startNs);
  return (
    <section className="span-detail" aria-label={`Span ${span.name}`}>
      <header className="span-head">
        <h2>{span.name || span.spanId}</h2>
        <span className="badge">{span.type}</span>
        <span className={`status trace-state-${span.status.toLowerCase()}`}>
          <span className="dot" aria-hidden="true" />
          {span.status}
        </span>
      </header>
      <dl className="facts">
        <dt>Span ID</dt>
        <dd>
          <code>{span.spanId}</code>
        </dd>
        <dt>Starts</dt>
        <dd>+{formatNanos(Number(span.startNs - traceStartNs))}</dd>
        <dt>Duration</dt>
        <dd>{duration === undefined ? 'still running' : formatNanos(duration)}</dd>
        {span.statusMessage ? (
          <>
            <dt>Status message</dt>
            <dd className="span-status-message">{span.statusMessage}</dd>
          </>
        ) : null}
      </dl>
      <TabList
        tabs={TABS}
        active={tab}
        onSelect={setTab}
        label={(t) =>
          t === 'inputs'
            ? 'Inputs / Outputs'
            : t === 'attributes'
              ? `Attributes (${attributes.length})`
              : `Events (${span.events.length})`
        }
      />
      <div role="tabpanel">
        {tab === 'inputs' ? (
          <div className="span-io">
            <h3>Inputs</h3>
            <JsonBlock value={span.inputs} label="Inputs" />
            <h3>Outputs</h3>
            <JsonBlock value={span.outputs} label="Outputs" />
          </div>
        ) : null}
        {tab === 'attributes' ? (
          attributes.length === 0 ? (
            <Empty>No attributes.</Empty>
          ) : (
            <table className="data-table kv span-attributes">
              <tbody>
                {attributes.map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>
                      <AttributeValue value={v} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
        {tab === 'events' ? (
          span.events.length === 0 ? (
            <Empty>No events.</Empty>
          ) : (
            <ol className="span-events">
              {span.events.map((e, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: events may repeat a name and time; position is their identity.
                <li key={`${e.name}-${i}`} className={e.name === 'exception' ? 'span-exception' : ''}>
                  <strong>{e.name}</strong>{' '}
                  {e.timeNs !== undefined ? (
                    <span className="muted">+{formatNanos(Number(e.timeNs - traceStartNs))}</span>
                  ) : null}
                  {Object.keys(e.attributes).length > 0 ? (
                    <pre className="code span-attr">{prettyJson(e.attributes)}</pre>
                  ) : null}
                </li>
              ))}
            </ol>
          )
        ) : null}
      </div>
    </section>
  );
}
