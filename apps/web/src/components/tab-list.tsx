import type { ReactNode } from 'react';

/** Props of a tab list. */
export interface TabListProps<T extends string> {
  tabs: readonly T[];
  active: T;
  onSelect: (tab: T) => void;
  /** A tab's button text. */
  label: (tab: T) => ReactNode;
}

/** A row of tab buttons (`role="tablist"`), the active one selected; the caller renders the tab panel. */
export function TabList<T extends string>({ tabs, active, onSelect, label }: TabListProps<T>) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((t) => (
        <button
          key={t}
          type="button"
          role="tab"
          aria-selected={t === active}
          className={t === active ? 'active' : ''}
          onClick={() => onSelect(t)}
        >
          {label(t)}
        </button>
      ))}
    </div>
  );
}
