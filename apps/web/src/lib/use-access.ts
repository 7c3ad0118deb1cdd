import type { DependencyList } from 'react';
import { type Access, fetchAccess, OPEN_ACCESS } from '../api/access.js';
import { useAsync } from './use-async.js';

/**
 * The signed-in user's access, loaded again when `deps` change (a new experiment or model gives its
 * creator MANAGE). Until it is known, or if asking fails, nothing is hidden: the server still decides.
 */
export function useAccess(deps: DependencyList): Access {
  const state = useAsync((signal) => fetchAccess(signal), deps);
  return state.data ?? OPEN_ACCESS;
}
