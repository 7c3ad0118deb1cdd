import { type DiffLine, diffStats } from '../lib/prompt-diff.js';

const MARK = { same: ' ', added: '+', removed: '−' } as const;

/** A line diff of two templates: old and new line numbers, a +/− mark and the line, coloured by kind. */
export function PromptDiffView({ lines, label }: { lines: DiffLine[]; label: string }) {
  const stats = diffStats(lines);
  return (
    <figure className="prompt-diff">
      <figcaption className="muted" data-testid="diff-stats">
        {stats.added === 0 && stats.removed === 0
          ? 'The templates are the same.'
          : `${stats.added} line${stats.added === 1 ? '' : 's'} added, ${stats.removed} removed`}
      </figcaption>
      <div className="line-diff">
        <table aria-label={label}>
          <tbody>
            {lines.map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a diff line has no identity but its position.
              <tr key={i} className={`diff-line diff-${l.kind}`} data-kind={l.kind}>
                <td className="ln">{l.oldLine ?? ''}</td>
                <td className="ln">{l.newLine ?? ''}</td>
                <td className="mark" title={l.kind}>
                  {MARK[l.kind]}
                </td>
                <td className="text">{l.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
