import { type DependencyList, useCallback, useEffect, useState } from 'react';

/** The state of one asynchronous load. */
export interface AsyncState<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change and keeps the latest result; stale answers are dropped. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on.
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (error) => {
        if (!controller.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  // Loading from the moment of the call, so nobody reads the old data as current in the render before the load.
  const reload = useCallback(() => {
    setState((s) => ({ data: s.data, loading: true }));
    setTick((t) => t + 1);
  }, []);
  return { ...state, reload };
}
