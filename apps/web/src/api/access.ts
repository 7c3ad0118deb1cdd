/**
 * What the signed-in user may change, for hiding controls they could not use. Behind MLflow's basic-auth
 * app (`flowline server --app-name basic-auth`) the server's `users/current` names the user, their
 * permission rows and the `default_permission`; without it (404) everything is allowed. The server decides
 * in the end: this only spares the user buttons that would answer "Permission denied".
 */

import { ApiError, call } from './client.js';

/** MLflow's permission names, weakest first. */
const LEVELS = ['NO_PERMISSIONS', 'READ', 'USE', 'EDIT', 'MANAGE'] as const;

/** What one permission lets its holder do (MLflow's can_update / can_delete). */
export interface Can {
  update: boolean;
  delete: boolean;
}

/** The user's permissions, by resource. */
export interface Access {
  /** False when the server has no users (no auth): everything is allowed. */
  enabled: boolean;
  username?: string;
  experiment(experimentId: string): Can;
  model(name: string): Can;
}

/** The answer of `GET /users/current`. */
export interface CurrentUser {
  user: {
    username: string;
    is_admin: boolean;
    experiment_permissions: Array<{ experiment_id: string; permission: string }>;
    registered_model_permissions: Array<{ name: string; permission: string }>;
  };
  default_permission: string;
}

const can = (permission: string): Can => {
  const rank = LEVELS.indexOf(permission as (typeof LEVELS)[number]);
  return { update: rank >= LEVELS.indexOf('EDIT'), delete: rank >= LEVELS.indexOf('MANAGE') };
};

const ALL: Can = { update: true, delete: true };

/** Everything allowed: no auth, or asking failed (the server still decides). */
export const OPEN_ACCESS: Access = { enabled: false, experiment: () => ALL, model: () => ALL };

const NONE: Can = { update: false, delete: false };

/** Nothing offered while `users/current` is on its way, so no control shows and then vanishes. */
export const PENDING_ACCESS: Access = { enabled: false, experiment: () => NONE, model: () => NONE };

/** The access a `users/current` answer describes (admins may do everything, as on the server). */
export function accessFrom(current: CurrentUser): Access {
  const { user } = current;
  if (user.is_admin)
    return { enabled: true, username: user.username, experiment: () => ALL, model: () => ALL };
  const experiments = new Map(user.experiment_permissions.map((p) => [p.experiment_id, p.permission]));
  const models = new Map(user.registered_model_permissions.map((p) => [p.name, p.permission]));
  return {
    enabled: true,
    username: user.username,
    experiment: (id) => can(experiments.get(id) ?? current.default_permission),
    model: (name) => can(models.get(name) ?? current.default_permission),
  };
}

/** Asks the server who is signed in; a server without auth has no such endpoint. */
export async function fetchAccess(signal?: AbortSignal): Promise<Access> {
  try {
    return accessFrom(await call<CurrentUser>('GET', '/users/current', {}, signal));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return OPEN_ACCESS;
    throw error;
  }
}
