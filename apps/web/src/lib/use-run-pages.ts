import { useCallback, useEffect, useRef, useState } from 'react';
import { searchRuns } from '../api/endpoints.js';
import type { Run } from '../api/types.js';

/** Runs loaded page by page (by the server's page tokens) for one search. */
export interface RunPages {
  runs: Run[];
  loading: boolean;
  error?: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** Loads the first page of a search when it changes, and the next page when `loadMore` is called. */
export function useRunPages(
  experimentIds: readonly string[],
  filter: string,
  orderBy: string,
  pageSize = 100,
): RunPages {
  const [state, setState] = useState<{
    runs: Run[];
    token?: string;
    done: boolean;
    error?: unknown;
    loading: boolean;
  }>({ runs: [], done: false, loading: true });
  const generation = useRef(0);
  const busy = useRef(false);
  const key = `${experimentIds.join(',')}\n${filter}\n${orderBy}`;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the search inputs.
  const fetchPage = useCallback(
    async (gen: number, token: string | undefined) => {
      busy.current = true;
      setState((s) => ({ ...s, loading: true }));
      try {
        const page = await searchRuns({
          experimentIds: [...experimentIds],
          filter,
          orderBy: orderBy ? [orderBy] : [],
          maxResults: pageSize,
          pageToken: token,
        });
        if (gen !== generation.current) return;
        setState((s) => ({
          runs: token ? [...s.runs, ...page.items] : page.items,
          token: page.nextPageToken,
          done: !page.nextPageToken,
          loading: false,
        }));
      } catch (error) {
        if (gen !== generation.current) return;
        setState((s) => ({ ...s, runs: token ? s.runs : [], error, done: true, loading: false }));
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
    setState({ runs: [], done: false, loading: true });
    if (experimentIds.length > 0) void fetchPage(gen, undefined);
    else setState({ runs: [], done: true, loading: false });
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
    runs: state.runs,
    loading: state.loading,
    error: state.error,
    hasMore: !state.done,
    loadMore,
    reload,
  };
}
