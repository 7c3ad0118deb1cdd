import { useMemo, useState } from 'react';
import { cellText, type EvalTable, type MetricLike } from '../lib/evaluation.js';
import { cellOf, compareAggregates, joinColumns, joinTables } from '../lib/evaluation-compare.js';
import { formatValue } from '../lib/format.js';
import { EVAL_PAGE, EvalCellContent, Pager, ScoreCell } from './eval-table.js';
import { Empty } from './states.js';

/** One side of a comparison: its label (the run's name), its table and its aggregates. */
export interface EvalSide {
  label: string;
  table: EvalTable;
  metrics: readonly MetricLike[];
}

function Delta({ delta }: { delta?: number }) {
  if (delta === undefined) return <span className="muted">—</span>;
  if (delta === 0) return <span className="muted">0</span>;
  return (
    <span
      className={delta > 0 ? 'eval-up' : 'eval-down'}
    >{`${delta > 0 ? '+' : ''}${formatValue(delta)}`}</span>
  );
}

/** Two evaluations' aggregates side by side with the change, as a compact table. */
export function AggregateComparison({ left, right }: { left: EvalSide; right: EvalSide }) {
  const rows = compareAggregates(left.metrics, right.metrics);
  if (rows.length === 0) return <Empty>Neither evaluation logged aggregate metrics.</Empty>;
  return (
    <table className="data-table eval-aggregate-diff">
      <thead>
        <tr>
          <th>Metric</th>
          <th>{left.label}</th>
          <th>{right.label}</th>
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-metric={r.key} className={r.delta ? 'differs' : ''}>
            <th scope="row">{r.key}</th>
            <td>{formatValue(r.left)}</td>
            <td>{formatValue(r.right)}</td>
            <td>
              <Delta delta={r.delta} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The rows of two evaluations joined on their shared inputs: one line per input with both sides' outputs and
 * scores, changed scores highlighted, rows only one side has marked; filtered by `search`, optionally to
 * changed lines only.
 */
export function RowComparison({
  left,
  right,
  search,
  onlyChanged,
}: {
  left: EvalSide;
  right: EvalSide;
  search: string;
  onlyChanged: boolean;
}) {
  const cols = useMemo(() => joinColumns(left.table, right.table), [left.table, right.table]);
  const joined = useMemo(() => joinTables(left.table, right.table), [left.table, right.table]);
  const [page, setPage] = useState(0);
  const needle = search.trim().toLowerCase();
  const lines = joined.filter((j) => {
    if (onlyChanged && j.side === 'both' && j.changed.length === 0) return false;
    if (!needle) return true;
    const cells = [
      ...(j.left === undefined ? [] : left.table.rows[j.left]!),
      ...(j.right === undefined ? [] : right.table.rows[j.right]!),
    ];
    return cells.some((c) => cellText(c).toLowerCase().includes(needle));
  });
  const counts = {
    changed: joined.filter((j) => j.changed.length > 0).length,
    left: joined.filter((j) => j.side === 'left').length,
    right: joined.filter((j) => j.side === 'right').length,
  };
  const last = Math.max(0, Math.ceil(lines.length / EVAL_PAGE) - 1);
  const current = Math.min(page, last);
  const pair = [
    { side: left, at: 'left' as const },
    { side: right, at: 'right' as const },
  ];
  return (
    <>
      <p className="muted" data-testid="eval-join-stats">
        {joined.length} rows joined on {cols.keys.length > 0 ? cols.keys.join(', ') : 'row position'}:{' '}
        {counts.changed} with a changed score, {counts.left} only in {left.label}, {counts.right} only in{' '}
        {right.label}.
      </p>
      {lines.length === 0 ? <Empty>No rows match.</Empty> : null}
      <div className="table-scroll eval-scroll">
        <table className="data-table eval-table eval-compare-table">
          <thead>
            <tr>
              <th rowSpan={2} className="eval-mark" aria-label="Side" />
              {cols.keys.map((k) => (
                <th key={k} rowSpan={2} className="eval-col-input">
                  {k}
                </th>
              ))}
              {[...cols.outputs, ...cols.scores].map((c) => (
                <th
                  key={c}
                  colSpan={2}
                  className={cols.scores.includes(c) ? 'eval-col-score' : 'eval-col-output'}
                >
                  {c}
                </th>
              ))}
            </tr>
            <tr>
              {[...cols.outputs, ...cols.scores].flatMap((c) =>
                pair.map((p) => (
                  <th key={`${c}-${p.at}`} className="eval-side">
                    {p.side.label}
                  </th>
                )),
              )}
            </tr>
          </thead>
          <tbody>
            {lines.slice(current * EVAL_PAGE, (current + 1) * EVAL_PAGE).map((j) => {
              const keyRow = j.left ?? j.right;
              const keyTable = j.left === undefined ? right.table : left.table;
              return (
                <tr
                  key={`${j.left}-${j.right}`}
                  data-side={j.side}
                  data-changed={j.changed.length > 0}
                  className={`eval-join-${j.side}${j.changed.length > 0 ? ' differs' : ''}`}
                >
                  <td className="eval-mark">
                    {j.side === 'both' ? null : (
                      <span className="eval-only badge">
                        only in {j.side === 'left' ? left.label : right.label}
                      </span>
                    )}
                  </td>
                  {cols.keys.map((k) => (
                    <td key={k} className="eval-col-input">
                      <EvalCellContent value={cellOf(keyTable, keyRow, k)} kind="input" />
                    </td>
                  ))}
                  {cols.outputs.flatMap((c) =>
                    pair.map((p) => (
                      <td key={`${c}-${p.at}`} className="eval-col-output">
                        <EvalCellContent value={cellOf(p.side.table, j[p.at], c)} kind="output" />
                      </td>
                    )),
                  )}
                  {cols.scores.flatMap((c) =>
                    pair.map((p) => {
                      const why = cellText(cellOf(p.side.table, j[p.at], cols.rationales[c] ?? ''));
                      return (
                        <td
                          key={`${c}-${p.at}`}
                          className={`eval-col-score${j.changed.includes(c) ? ' eval-changed' : ''}`}
                          data-column={c}
                          data-at={p.at}
                        >
                          <ScoreCell value={cellOf(p.side.table, j[p.at], c)} title={why} />
                          {/* Why a changed score changed: its rationale under it. */}
                          {why && j.changed.includes(c) ? <div className="eval-why">{why}</div> : null}
                        </td>
                      );
                    }),
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager page={current} total={lines.length} onPage={setPage} />
    </>
  );
}
