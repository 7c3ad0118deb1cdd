import { useMemo, useState } from 'react';
import { type Column, PinIcon } from './runs-table.js';

/** Props of the column chooser. */
export interface ColumnChooserProps {
  columns: readonly Column[];
  shown: ReadonlySet<string>;
  onChange: (shown: string[]) => void;
  onClose: () => void;
  /** Ids of the pinned columns; with `onTogglePin`, each column gets a pin button. */
  pinned?: ReadonlySet<string>;
  onTogglePin?: (columnId: string) => void;
}

/**
 * A panel listing every column by group (attributes, parameters, metrics, tags) with a search box; each
 * column can be pinned to the left of the table when `onTogglePin` is given.
 */
export function ColumnChooser(props: ColumnChooserProps) {
  const [search, setSearch] = useState('');
  const groups = useMemo(() => {
    const needle = search.toLowerCase();
    const out = new Map<string, Column[]>();
    for (const c of props.columns) {
      if (needle && !c.label.toLowerCase().includes(needle)) continue;
      const list = out.get(c.group);
      if (list) list.push(c);
      else out.set(c.group, [c]);
    }
    return [...out];
  }, [props.columns, search]);
  const order = props.columns.map((c) => c.id);
  const emit = (next: Set<string>) => props.onChange(order.filter((id) => next.has(id)));
  const toggle = (id: string) => {
    const next = new Set(props.shown);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    emit(next);
  };
  const setGroup = (columns: Column[], on: boolean) => {
    const next = new Set(props.shown);
    for (const c of columns) {
      if (on) next.add(c.id);
      else next.delete(c.id);
    }
    emit(next);
  };
  return (
    <div className="column-chooser" role="dialog" aria-label="Choose columns">
      <div className="cc-top">
        <input
          type="search"
          aria-label="Find a column"
          placeholder="Find a column"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="button" onClick={props.onClose}>
          Done
        </button>
      </div>
      <div className="cc-groups">
        {groups.map(([group, columns]) => (
          <fieldset key={group}>
            <legend>
              {group} ({columns.filter((c) => props.shown.has(c.id)).length}/{columns.length})
              <button type="button" className="link" onClick={() => setGroup(columns, true)}>
                all
              </button>
              <button type="button" className="link" onClick={() => setGroup(columns, false)}>
                none
              </button>
            </legend>
            {columns.slice(0, 500).map((c) => (
              <div key={c.id} className="cc-item">
                <label>
                  <input type="checkbox" checked={props.shown.has(c.id)} onChange={() => toggle(c.id)} />
                  {c.label}
                </label>
                {props.onTogglePin ? (
                  <button
                    type="button"
                    className={props.pinned?.has(c.id) ? 'rt-pin on' : 'rt-pin'}
                    aria-label={`${props.pinned?.has(c.id) ? 'Unpin' : 'Pin'} column ${c.label}`}
                    aria-pressed={props.pinned?.has(c.id) ?? false}
                    onClick={() => props.onTogglePin?.(c.id)}
                  >
                    <PinIcon />
                  </button>
                ) : null}
              </div>
            ))}
            {columns.length > 500 ? (
              <p className="muted">{columns.length - 500} more: narrow the search</p>
            ) : null}
          </fieldset>
        ))}
      </div>
    </div>
  );
}
