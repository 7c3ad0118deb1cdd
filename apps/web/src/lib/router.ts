import { useSyncExternalStore } from 'react';

/** The current location: path and query. Everything a page shows is derived from it, so links are shareable. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();
let snapshot: { href: string; location: Location } | undefined;

function current(): Location {
  const href = window.location.pathname + window.location.search;
  if (snapshot?.href !== href) {
    snapshot = {
      href,
      location: { path: window.location.pathname, query: new URLSearchParams(window.location.search) },
    };
  }
  return snapshot.location;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  return useSyncExternalStore(subscribe, current, current);
}

/** Goes to `href` (path and query); `replace` changes the URL without a new history entry. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  for (const listener of listeners) listener();
}

/** The current path with some query keys changed (`null` or '' removes a key). */
export function hrefWith(location: Location, changes: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams(location.query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') query.delete(key);
    else query.set(key, value);
  }
  const text = query.toString();
  return text ? `${location.path}?${text}` : location.path;
}

/** Matches `/a/:b/c` patterns; returns the decoded parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}
