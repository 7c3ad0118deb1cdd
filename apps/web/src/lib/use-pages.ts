import { useCallback, useEffect, useRef, useState } from 'react';

/** What a paged search of some experiments takes (MLflow's `SearchRuns` and `SearchTracesV3` fields). */
export interface PageQuery {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
  maxResults: number;
  pageToken?: string;
}

/** One page of a search and the server's token for the next (none on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Items loaded page by page (by the server's page tokens) for one search. */
export interface Pages<T> {
  items: T[];
  loading: boolean;
  error?: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** How `usePages` searches. */
export interface PagesOptions<T> {
  pageSize?: number;
  /**
   * An item's identity: when given, a later page drops items already loaded (offset page tokens shift when
   * items arrive between two pages, so an item can come back on the next page).
   */
  idOf?: (item: T) => string;
}

/**
 * Loads the first page of a search of some experiments when the search changes, and the next page when
 * `loadMore` is called. Without experiments there is nothing to load.
 */
export function usePages<T>(
  search: (query: PageQuery) => Promise<Page<T>>,
  experimentIds: readonly string[],
  filter: string,
  orderBy: string,
  { pageSize = 100, idOf }: PagesOptions<T> = {},
): Pages<T> {
  const [state, setState] = useState<{
    items: T[];
    token?: string;
    done: boolean;
    error?: unknown;
    loading: boolean;
  }>({ items: [], done: false, loading: true });
  const generation = useRef(0);
  const busy = useRef(false);
  const key = `${experimentIds.join(',')}\n${filter}\n${orderBy}`;
  // The latest `search` and `idOf`: callers pass new closures each render; `key` says when the search changed.
  const fns = useRef({ search, idOf });
  fns.current = { search, idOf };

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the search inputs.
  const fetchPage = useCallback(
    async (gen: number, token: string | undefined) => {
      busy.current = true;
      setState((s) => ({ ...s, loading: true }));
      try {
        const page = await fns.current.search({
          experimentIds: [...experimentIds],
          filter,
          orderBy: orderBy ? [orderBy] : [],
          maxResults: pageSize,
          pageToken: token,
        });
        if (gen !== generation.current) return;
        setState((s) => ({
          items: token ? appendNew(s.items, page.items, fns.current.idOf) : page.items,
          token: page.nextPageToken,
          done: !page.nextPageToken,
          loading: false,
        }));
      } catch (error) {
        if (gen !== generation.current) return;
        setState((s) => ({ ...s, items: token ? s.items : [], error, done: true, loading: false }));
      } finally {
        if (gen === generation.current) busy.current = false;
      }
    },
    [key, pageSize],
  );

  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search (or a reload) starts over.
  useEffect(() => {
    const gen = ++generation.current;
    setState({ items: [], done: false, loading: true });
    if (experimentIds.length > 0) void fetchPage(gen, undefined);
    else setState({ items: [], done: true, loading: false });
  }, [fetchPage, tick]);

  const latest = useRef(state);
  latest.current = state;
  const loadMore = useCallback(() => {
    const s = latest.current;
    if (busy.current || s.done || !s.token) return;
    void fetchPage(generation.current, s.token);
  }, [fetchPage]);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  return {
    items: state.items,
    loading: state.loading,
    error: state.error,
    hasMore: !state.done,
    loadMore,
    reload,
  };
}

/** `more` after `loaded`, without the items already loaded when `idOf` says which those are. */
function appendNew<T>(loaded: T[], more: T[], idOf: ((item: T) => string) | undefined): T[] {
  if (!idOf) return [...loaded, ...more];
  const seen = new Set(loaded.map(idOf));
  return [...loaded, ...more.filter((item) => !seen.has(idOf(item)))];
}
