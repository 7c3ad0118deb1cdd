import { useCallback, useMemo, useRef } from 'react';
import type { Run } from '../api/types.js';
import { discoverKeys } from './columns.js';
import { type FilterVocabulary, knownValues, type SuggestResult, suggestFilter } from './filter-suggest.js';

type Seen = { scope: string; params: Set<string>; metrics: Set<string>; tags: Set<string> };

/**
 * The filter box's `suggest` for some experiments: keys and values from every run loaded while these
 * experiments are shown (a filter that narrows the runs keeps the keys seen before it).
 */
export function useFilterSuggest(
  experimentIds: readonly string[],
  runs: readonly Run[],
): (text: string, caret: number) => SuggestResult {
  const scope = experimentIds.join(',');
  const seen = useRef<Seen>({ scope, params: new Set(), metrics: new Set(), tags: new Set() });
  const vocab = useMemo<FilterVocabulary>(() => {
    if (seen.current.scope !== scope) {
      seen.current = { scope, params: new Set(), metrics: new Set(), tags: new Set() };
    }
    const s = seen.current;
    const keys = discoverKeys(runs);
    for (const k of keys.params) s.params.add(k);
    for (const k of keys.metrics) s.metrics.add(k);
    for (const k of keys.tags) s.tags.add(k);
    const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
    return {
      params: sorted(s.params),
      metrics: sorted(s.metrics),
      tags: sorted(s.tags),
      values: knownValues(runs),
    };
  }, [scope, runs]);
  return useCallback((text: string, caret: number) => suggestFilter(text, caret, vocab), [vocab]);
}
