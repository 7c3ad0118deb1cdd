import { useCallback, useRef } from 'react';
import type { Run } from '../api/types.js';
import { discoverKeys } from './columns.js';
import { type FilterVocabulary, knownValues, type SuggestResult, suggestFilter } from './filter-suggest.js';

type Seen = { scope: string; params: Set<string>; metrics: Set<string>; tags: Set<string> };

/**
 * The filter box's `suggest` for some experiments: keys and values of the loaded runs, plus every key seen
 * while these experiments are shown (a filter that narrows the runs keeps the keys seen before it). The
 * vocabulary is built on the first suggestion after the runs change, not on every page load, so a
 * 10,000-run table pays for it only when someone types.
 */
export function useFilterSuggest(
  experimentIds: readonly string[],
  runs: readonly Run[],
): (text: string, caret: number) => SuggestResult {
  const scope = experimentIds.join(',');
  const seen = useRef<Seen>({ scope, params: new Set(), metrics: new Set(), tags: new Set() });
  const cache = useRef<{ runs: readonly Run[]; scope: string; vocab: FilterVocabulary } | null>(null);
  return useCallback(
    (text: string, caret: number) => {
      if (cache.current?.runs !== runs || cache.current.scope !== scope) {
        if (seen.current.scope !== scope) {
          seen.current = { scope, params: new Set(), metrics: new Set(), tags: new Set() };
        }
        const s = seen.current;
        const keys = discoverKeys(runs);
        for (const k of keys.params) s.params.add(k);
        for (const k of keys.metrics) s.metrics.add(k);
        for (const k of keys.tags) s.tags.add(k);
        const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
        const vocab = {
          params: sorted(s.params),
          metrics: sorted(s.metrics),
          tags: sorted(s.tags),
          values: knownValues(runs),
        };
        cache.current = { runs, scope, vocab };
      }
      return suggestFilter(text, caret, cache.current.vocab);
    },
    [runs, scope],
  );
}
