import { exampleCell, type InputExample } from '../lib/model-schema.js';
import type { MlmodelSummary, SignatureColumn } from '../lib/preview.js';

function ColumnTable({ title, columns }: { title: string; columns?: SignatureColumn[] }) {
  if (!columns) return null;
  return (
    <div>
      <h4>{title}</h4>
      <table className="data-table" aria-label={`Signature ${title.toLowerCase()}`}>
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Shape</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: unnamed tensor columns have only a position.
            <tr key={i}>
              <td>{c.name ?? `(${i})`}</td>
              <td>
                {c.type}
                {c.optional ? ' (optional)' : ''}
              </td>
              <td>{c.shape ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A model signature as tables of its inputs, outputs and params (MLflow's schema view), or a note without one. */
export function SignatureTables({ summary }: { summary: MlmodelSummary }) {
  if (!summary.inputs && !summary.outputs) return <p className="muted">This model has no signature.</p>;
  return (
    <div className="signature">
      <ColumnTable title="Inputs" columns={summary.inputs} />
      <ColumnTable title="Outputs" columns={summary.outputs} />
      <ColumnTable title="Params" columns={summary.params} />
    </div>
  );
}

/** An input example: a DataFrame as a table (first 100 rows), anything else as pretty JSON. */
export function InputExampleView({ example }: { example: InputExample }) {
  if (example.kind === 'json') return <pre className="code input-example">{example.text}</pre>;
  return (
    <div className="table-scroll">
      <table className="data-table input-example" aria-label="Input example">
        <thead>
          <tr>
            {example.columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: column names may repeat; position is their identity.
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {example.rows.slice(0, 100).map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
            <tr key={i}>
              {example.columns.map((_, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity but their position.
                <td key={j}>{exampleCell(r[j])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
