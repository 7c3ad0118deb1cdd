import { MlflowError } from '@flowline/core';

/** A permission level and what it allows, as MLflow's `mlflow.server.auth.permissions.Permission`. */
export interface Permission {
  readonly name: PermissionName;
  readonly canRead: boolean;
  /** Use a resource without changing it (MLflow 3's gateway endpoints and secrets). */
  readonly canUse: boolean;
  readonly canUpdate: boolean;
  readonly canDelete: boolean;
  readonly canManage: boolean;
}

/** MLflow's permission names. */
export type PermissionName = 'READ' | 'USE' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS';

const level = (
  name: PermissionName,
  canRead: boolean,
  canUse: boolean,
  canUpdate: boolean,
  canDelete: boolean,
  canManage: boolean,
): Permission => Object.freeze({ name, canRead, canUse, canUpdate, canDelete, canManage });

/** Read only. */
export const READ: Permission = level('READ', true, false, false, false, false);
/** Read and use. */
export const USE: Permission = level('USE', true, true, false, false, false);
/** Read, use and update; not delete (MLflow's EDIT cannot delete). */
export const EDIT: Permission = level('EDIT', true, true, true, false, false);
/** Everything, including granting permissions to others. */
export const MANAGE: Permission = level('MANAGE', true, true, true, true, true);
/** Nothing. */
export const NO_PERMISSIONS: Permission = level('NO_PERMISSIONS', false, false, false, false, false);

/** Every permission by name, in MLflow's order (its error messages list them so). */
export const ALL_PERMISSIONS: Readonly<Record<PermissionName, Permission>> = Object.freeze({
  READ,
  USE,
  EDIT,
  MANAGE,
  NO_PERMISSIONS,
});

/** True for one of MLflow's permission names. */
export function isPermissionName(name: unknown): name is PermissionName {
  return typeof name === 'string' && Object.hasOwn(ALL_PERMISSIONS, name);
}

/**
 * Refuses anything but a permission name, with MLflow's message (its `_validate_permission`: the names as
 * a Python tuple).
 */
export function validatePermission(name: unknown): PermissionName {
  if (isPermissionName(name)) return name;
  const names = Object.keys(ALL_PERMISSIONS)
    .map((n) => `'${n}'`)
    .join(', ');
  throw MlflowError.invalidParameterValue(
    `Invalid permission '${String(name)}'. Valid permissions are: (${names})`,
  );
}

/** The permission of a name (MLflow's `get_permission`); refuses unknown names as `validatePermission`. */
export function permissionNamed(name: unknown): Permission {
  return ALL_PERMISSIONS[validatePermission(name)];
}

/** What a route needs of its resource, as MLflow's `validate_can_*` checks. */
export type Access = 'read' | 'use' | 'update' | 'delete' | 'manage';

/** Whether a permission allows an access. */
export function allows(permission: Permission, access: Access): boolean {
  switch (access) {
    case 'read':
      return permission.canRead;
    case 'use':
      return permission.canUse;
    case 'update':
      return permission.canUpdate;
    case 'delete':
      return permission.canDelete;
    case 'manage':
      return permission.canManage;
  }
}
