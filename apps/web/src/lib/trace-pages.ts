import { useCallback, useEffect, useRef, useState } from 'react';
import { searchTraces, type TraceInfoJson } from '../api/traces.js';

/** Traces loaded page by page (by the server's page tokens) for one search. */
export interface TracePages {
  traces: TraceInfoJson[];
  loading: boolean;
  error?: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** Loads the first page of a trace search when it changes, and the next page when `loadMore` is called. */
export function useTracePages(
  experimentIds: readonly string[],
  filter: string,
  orderBy: string,
  pageSize = 100,
): TracePages {
  const [state, setState] = useState<{
    traces: TraceInfoJson[];
    token?: string;
    error?: unknown;
    loading: boolean;
  }>({ traces: [], loading: true });
  const generation = useRef(0);
  const key = `${experimentIds.join(',')}\n${filter}\n${orderBy}`;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the search inputs.
  const fetchPage = useCallback(
    async (gen: number, token: string | undefined) => {
      setState((s) => ({ ...s, loading: true }));
      try {
        const page = await searchTraces({
          experimentIds: [...experimentIds],
          filter,
          orderBy: orderBy ? [orderBy] : [],
          maxResults: pageSize,
          pageToken: token,
        });
        if (gen !== generation.current) return;
        setState((s) => ({
          traces: token ? appendNew(s.traces, page.traces) : page.traces,
          token: page.nextPageToken,
          loading: false,
        }));
      } catch (error) {
        if (gen !== generation.current) return;
        setState((s) => ({ traces: token ? s.traces : [], error, loading: false }));
      }
    },
    [key, pageSize],
  );

  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search (or a reload) starts over.
  useEffect(() => {
    const gen = ++generation.current;
    setState({ traces: [], loading: true });
    if (experimentIds.length > 0) void fetchPage(gen, undefined);
    else setState({ traces: [], loading: false });
  }, [fetchPage, tick]);

  const latest = useRef(state);
  latest.current = state;
  const loadMore = useCallback(() => {
    const s = latest.current;
    if (s.loading || !s.token) return;
    void fetchPage(generation.current, s.token);
  }, [fetchPage]);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  return {
    traces: state.traces,
    loading: state.loading,
    error: state.error,
    hasMore: state.token !== undefined,
    loadMore,
    reload,
  };
}

/**
 * `more` after `loaded`, without traces already shown: offset page tokens shift when traces arrive between
 * two pages, so a trace can come back on the next page.
 */
function appendNew(loaded: TraceInfoJson[], more: TraceInfoJson[]): TraceInfoJson[] {
  const seen = new Set(loaded.map((t) => t.trace_id));
  return [...loaded, ...more.filter((t) => !seen.has(t.trace_id))];
}
