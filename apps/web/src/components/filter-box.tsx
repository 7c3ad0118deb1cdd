import {
  type FormEvent,
  type KeyboardEvent,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { SuggestResult } from '../lib/filter-suggest.js';
import './filter-box.css';

/** Props of the filter box. */
export interface FilterBoxProps {
  /** The applied filter (from the URL). */
  value: string;
  onSubmit: (filter: string) => void;
  /** The server's message when the applied filter was rejected. */
  error?: string;
  placeholder?: string;
  /** The accessible name of the box and its form. */
  label?: string;
  /** The id of the error message (unique on the page). */
  errorId?: string;
  /** Extra classes on the form. */
  className?: string;
  /** Example filters of the grammar, shown under the box (as `e.g. a, b`) while no error is. */
  examples?: { id: string; filters: readonly string[] };
  /** Autocomplete: what may be written at the caret (see `suggestFilter`). Makes the box a combobox. */
  suggest?: (text: string, caret: number) => SuggestResult;
}

const EMPTY: SuggestResult = { from: 0, to: 0, items: [] };

/**
 * The search box for MLflow's filter grammar (`metrics.rmse < 1 and params.model = "tree"`). The server
 * parses the filter; when it refuses one, its message shows under the box and the box is marked invalid.
 * Enter applies, Escape reverts the draft to what is applied. With `suggest`, a list of what may come next
 * opens under the box (the ARIA combobox pattern): ↑↓ choose, Tab accepts the chosen (or first) one, Enter
 * accepts a chosen one (else applies the filter), Escape closes the list.
 */
export function FilterBox(props: FilterBoxProps) {
  const [draft, setDraft] = useState(props.value);
  const [caret, setCaret] = useState(props.value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const listId = useId();
  useEffect(() => setDraft(props.value), [props.value]);

  const { suggest } = props;
  const result = useMemo(
    () => (suggest && open ? suggest(draft, caret) : EMPTY),
    [suggest, open, draft, caret],
  );
  const shown = open && result.items.length > 0;

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at === null || !input.current) return;
    pendingCaret.current = null;
    input.current.setSelectionRange(at, at);
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOpen(false);
    props.onSubmit(draft.trim());
  };
  const accept = (index: number) => {
    const item = result.items[index];
    if (!item) return;
    const next = draft.slice(0, result.from) + item.insert + draft.slice(result.to);
    const at = result.from + item.insert.length;
    setDraft(next);
    setCaret(at);
    setActive(-1);
    pendingCaret.current = at;
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      if (shown) setOpen(false);
      else setDraft(props.value);
      e.preventDefault();
      return;
    }
    if (!shown) {
      if (e.key === 'ArrowDown' && suggest) {
        setOpen(true);
        e.preventDefault();
      }
      return;
    }
    const count = result.items.length;
    if (e.key === 'ArrowDown') setActive((a) => (a + 1) % count);
    else if (e.key === 'ArrowUp') setActive((a) => (a <= 0 ? count - 1 : a - 1));
    else if (e.key === 'Tab' && !e.shiftKey) accept(Math.max(0, active));
    else if (e.key === 'Enter' && active >= 0) accept(active);
    else return;
    e.preventDefault();
  };
  const trackCaret = () => setCaret(input.current?.selectionStart ?? draft.length);

  const label = props.label ?? 'Filter runs';
  const errorId = props.errorId ?? 'filter-error';
  const optionId = (i: number) => `${listId}-opt-${i}`;
  const combo = suggest
    ? {
        role: 'combobox',
        'aria-autocomplete': 'list' as const,
        'aria-expanded': shown,
        'aria-controls': listId,
        'aria-activedescendant': shown && active >= 0 ? optionId(active) : undefined,
      }
    : {};
  return (
    <form
      className={props.className ? `filter-box ${props.className}` : 'filter-box'}
      onSubmit={submit}
      aria-label={label}
    >
      <div className="fb-field">
        <input
          ref={input}
          type="search"
          {...combo}
          aria-label={label}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={props.error ? errorId : props.examples?.id}
          spellCheck={false}
          autoComplete="off"
          value={draft}
          placeholder={props.placeholder ?? 'metrics.rmse < 1 and params.model = "tree"'}
          onChange={(e) => {
            setDraft(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setActive(-1);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => {
            if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) trackCaret();
          }}
          onClick={trackCaret}
          onFocus={() => suggest && setOpen(true)}
          onBlur={() => setOpen(false)}
        />
        {suggest ? (
          <div
            id={listId}
            role="listbox"
            aria-label={`${label}: suggestions`}
            className="fb-list"
            hidden={!shown}
          >
            {shown
              ? result.items.map((item, i) => (
                  // biome-ignore lint/a11y/useKeyWithClickEvents: keys act on the combobox (aria-activedescendant).
                  <div
                    key={item.label}
                    id={optionId(i)}
                    role="option"
                    aria-selected={i === active}
                    className={i === active ? 'active' : undefined}
                    // Keeps the focus (and the caret) in the box while the mouse picks.
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => accept(i)}
                    tabIndex={-1}
                  >
                    <code>{item.label}</code>
                    {item.detail ? <span className="muted">{item.detail}</span> : null}
                  </div>
                ))
              : null}
          </div>
        ) : null}
      </div>
      <button type="submit">Search</button>
      {draft !== '' || props.value !== '' ? (
        <button
          type="button"
          onClick={() => {
            setDraft('');
            setOpen(false);
            props.onSubmit('');
          }}
        >
          Clear
        </button>
      ) : null}
      {props.error ? (
        <div id={errorId} className="filter-error" role="alert">
          {props.error}
        </div>
      ) : props.examples ? (
        <div id={props.examples.id} className="filter-help muted">
          e.g.{' '}
          {props.examples.filters.map((example, i) => (
            <span key={example}>
              {i > 0 ? ', ' : ''}
              <code>{example}</code>
            </span>
          ))}
        </div>
      ) : null}
    </form>
  );
}
