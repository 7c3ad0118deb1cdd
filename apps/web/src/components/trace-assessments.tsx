import { formatTime } from '../lib/format.js';
import type { AssessmentView } from '../lib/trace-info.js';
import { prettyJson } from '../lib/trace-info.js';
import { Empty } from './states.js';

/** A value as a chip when short (`true`, `0.8`, `"yes"`), as a code block when structured. */
function Value({ value }: { value: unknown }) {
  if (value !== null && typeof value === 'object')
    return <pre className="code span-attr">{prettyJson(value)}</pre>;
  const text = value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
  return <code className={`assessment-value value-${String(value).toLowerCase()}`}>{text}</code>;
}

/**
 * A trace's assessments (MLflow's feedback and expectations): name, value, rationale, source, the span it
 * judges and when; overridden ones (`valid: false`) are shown struck through.
 */
export function TraceAssessments({
  assessments,
  onSelectSpan,
}: {
  assessments: AssessmentView[];
  onSelectSpan?: (spanId: string) => void;
}) {
  if (assessments.length === 0) return <Empty>No assessments.</Empty>;
  return (
    <table className="data-table assessments">
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th>Value</th>
          <th>Rationale</th>
          <th>Source</th>
          <th>Span</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {assessments.map((a) => (
          <tr key={a.id} data-assessment={a.name} className={a.valid ? '' : 'overridden'}>
            <td>
              {a.name}
              {a.valid ? null : <span className="muted"> (overridden)</span>}
            </td>
            <td>{a.kind}</td>
            <td>
              {a.error ? <span className="assessment-error">{a.error}</span> : <Value value={a.value} />}
            </td>
            <td className="assessment-rationale">{a.rationale ?? ''}</td>
            <td>
              {a.sourceType}
              {a.sourceId ? <span className="muted"> · {a.sourceId}</span> : null}
            </td>
            <td>
              {a.spanId && onSelectSpan ? (
                <button type="button" className="link" onClick={() => onSelectSpan(a.spanId!)}>
                  <code>{a.spanId}</code>
                </button>
              ) : (
                (a.spanId ?? '')
              )}
            </td>
            <td className="nowrap">{formatTime(a.createdMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
