import type { DependencyList } from 'react';
import { type Access, fetchAccess, OPEN_ACCESS, PENDING_ACCESS } from '../api/access.js';
import { useAsync } from './use-async.js';

/**
 * The signed-in user's access, loaded again when `deps` change (a new experiment or model gives its
 * creator MANAGE). While the first answer is on its way no change control is offered (a reload keeps the
 * last answer); if asking fails nothing is hidden, since the server still decides.
 */
export function useAccess(deps: DependencyList): Access {
  const state = useAsync((signal) => fetchAccess(signal), deps);
  if (state.data) return state.data;
  return state.loading ? PENDING_ACCESS : OPEN_ACCESS;
}
