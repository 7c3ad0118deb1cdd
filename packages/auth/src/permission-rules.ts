import type { AuthStore, AuthUser } from './auth-store.js';
import { ALL_PERMISSIONS, MANAGE, type Permission, type PermissionName } from './permissions.js';

/**
 * What a user may do on a resource, as MLflow's basic-auth app decides it: admins everything; otherwise
 * the user's permission row on the experiment (runs and their artifacts follow their experiment) or on the
 * registered model (versions follow their model), else the configured `default_permission`.
 */
export class PermissionRules {
  readonly #store: AuthStore;
  /** The permission of users without a row. */
  readonly defaultPermission: Permission;

  constructor(store: AuthStore, defaultPermission: PermissionName) {
    this.#store = store;
    this.defaultPermission = ALL_PERMISSIONS[defaultPermission];
  }

  /** The user's permission on an experiment. */
  async experiment(user: AuthUser, experimentId: string): Promise<Permission> {
    if (user.isAdmin) return MANAGE;
    const name = await this.#store.findExperimentPermission(experimentId, user.id);
    return name ? ALL_PERMISSIONS[name] : this.defaultPermission;
  }

  /** The user's permission on a registered model (and its versions), by model name. */
  async registeredModel(user: AuthUser, name: string): Promise<Permission> {
    if (user.isAdmin) return MANAGE;
    const level = await this.#store.findRegisteredModelPermission(name, user.id);
    return level ? ALL_PERMISSIONS[level] : this.defaultPermission;
  }

  /** Which experiments the user may read, from one query, for filtering search results. */
  async readableExperiments(user: AuthUser): Promise<(experimentId: string) => boolean> {
    if (user.isAdmin) return () => true;
    const rows = await this.#store.listExperimentPermissions(user.id);
    const explicit = new Map(rows.map((r) => [r.experimentId, ALL_PERMISSIONS[r.permission].canRead]));
    const fallback = this.defaultPermission.canRead;
    return (id) => explicit.get(id) ?? fallback;
  }

  /** Which registered models the user may read, from one query, for filtering search results. */
  async readableRegisteredModels(user: AuthUser): Promise<(name: string) => boolean> {
    if (user.isAdmin) return () => true;
    const rows = await this.#store.listRegisteredModelPermissions(user.id);
    const explicit = new Map(rows.map((r) => [r.name, ALL_PERMISSIONS[r.permission].canRead]));
    const fallback = this.defaultPermission.canRead;
    return (name) => explicit.get(name) ?? fallback;
  }
}
