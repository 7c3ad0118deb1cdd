import { type ReactNode, useState } from 'react';
import { cellText, type EvalColumn, scoreView } from '../lib/evaluation.js';
import { prettyJson } from '../lib/trace-info.js';

/** Cells longer than this fold to one line that opens to the full text. */
const FOLD_AT = 80;
/** Rows per page of a results table. */
export const EVAL_PAGE = 50;

/** A score as a pass/fail badge, a number, or text; `title` (its rationale) shows on hover. */
export function ScoreCell({ value, title }: { value: unknown; title?: string }) {
  const view = scoreView(value);
  if (view.kind === 'empty') return <span className="muted">—</span>;
  return (
    <span className={`eval-score eval-${view.kind}`} title={title || undefined}>
      {view.text}
    </span>
  );
}

/** A cell's content by its column's role: a score, a wrapped rationale, or one line that opens to all of it. */
export function EvalCellContent({ value, kind }: { value: unknown; kind: EvalColumn['role'] }) {
  if (kind === 'score') return <ScoreCell value={value} />;
  const text = cellText(value);
  if (kind === 'rationale') return <span className="eval-rationale">{text}</span>;
  const full = value !== null && typeof value === 'object' ? prettyJson(value) : text;
  if (text.length <= FOLD_AT && !text.includes('\n')) return <span title={full}>{text}</span>;
  return (
    <details className="eval-fold">
      <summary title={full}>{text}</summary>
      <pre>{full}</pre>
    </details>
  );
}

/** Which column a table is sorted by (its name) and which way. */
export interface EvalSort {
  column: string;
  descending: boolean;
}

/** Page buttons under a long table: `shown` of `total` rows, previous and next. */
export function Pager({
  page,
  total,
  onPage,
  what = 'rows',
}: {
  page: number;
  total: number;
  onPage: (page: number) => void;
  what?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / EVAL_PAGE));
  if (pages <= 1) return null;
  return (
    <div className="eval-pager">
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        {what} {page * EVAL_PAGE + 1}–{Math.min(total, (page + 1) * EVAL_PAGE)} of {total}
      </span>
      <button type="button" disabled={page >= pages - 1} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </div>
  );
}

/** A sortable column head (`aria-sort` on the active one). */
export function SortHead({
  name,
  sort,
  onSort,
  className,
  children,
}: {
  name: string;
  sort?: EvalSort;
  onSort: (column: string) => void;
  className?: string;
  children?: ReactNode;
}) {
  const active = sort?.column === name;
  return (
    <th className={className} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="rt-sort" onClick={() => onSort(name)}>
        {children ?? name}
        {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
}

/** Props of a results table. */
export interface EvalTableProps {
  columns: EvalColumn[];
  rows: unknown[][];
  /** The row indexes to show, filtered and sorted. */
  order: number[];
  sort?: EvalSort;
  onSort: (column: string) => void;
}

/** One evaluation's per-row results, a page at a time; columns sort on a click of their head. */
export function EvalTable({ columns, rows, order, sort, onSort }: EvalTableProps) {
  const [page, setPage] = useState(0);
  const last = Math.max(0, Math.ceil(order.length / EVAL_PAGE) - 1);
  const current = Math.min(page, last);
  const shown = order.slice(current * EVAL_PAGE, (current + 1) * EVAL_PAGE);
  return (
    <>
      <div className="table-scroll eval-scroll">
        <table className="data-table eval-table">
          <thead>
            <tr>
              {columns.map((c) => (
                <SortHead
                  key={c.name}
                  name={c.name}
                  sort={sort}
                  onSort={onSort}
                  className={`eval-col-${c.role}`}
                />
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((i) => (
              <tr key={i} data-row={i}>
                {columns.map((c) => (
                  <td key={c.name} className={`eval-col-${c.role}`} data-column={c.name}>
                    <EvalCellContent value={rows[i]![c.index]} kind={c.role} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={current} total={order.length} onPage={setPage} />
    </>
  );
}
