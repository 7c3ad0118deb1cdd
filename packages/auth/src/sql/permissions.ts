import { MlflowError } from '@flowline/core';
import {
  DEFAULT_WORKSPACE,
  type ExperimentPermission,
  type RegisteredModelPermission,
} from '../auth-store.js';
import { isPermissionName, type PermissionName, validatePermission } from '../permissions.js';
import type { AuthContext } from './context.js';
import { userRow } from './users.js';

// Experiment and registered-model permission rows, with MLflow's store messages (sqlalchemy_store.py).
// Registered-model rows carry a workspace since MLflow 3.10; without workspaces it is always 'default'.

const stored = (value: string | null): PermissionName | null => (isPermissionName(value) ? value : null);

const experimentNotFound = (experimentId: string, username: string) =>
  MlflowError.resourceDoesNotExist(
    `Experiment permission with experiment_id=${experimentId} and username=${username} not found`,
  );

const modelNotFound = (name: string, username: string) =>
  MlflowError.resourceDoesNotExist(
    `Registered model permission with workspace=${DEFAULT_WORKSPACE}, name=${name} and username=${username} not found`,
  );

export async function createExperimentPermission(
  ctx: AuthContext,
  experimentId: string,
  username: string,
  permission: string,
): Promise<ExperimentPermission> {
  const name = validatePermission(permission);
  const user = await userRow(ctx, username);
  try {
    await ctx.db
      .insertInto('experiment_permissions')
      .values({ experiment_id: experimentId, user_id: user.id, permission: name })
      .execute();
  } catch (cause) {
    if (ctx.adapter.isUniqueViolation(cause))
      throw MlflowError.resourceAlreadyExists(
        `Experiment permission (experiment_id=${experimentId}, username=${username}) already exists.`,
        { cause },
      );
    throw cause;
  }
  return { experimentId, userId: user.id, permission: name };
}

export async function findExperimentPermission(
  ctx: AuthContext,
  experimentId: string,
  userId: number,
): Promise<PermissionName | null> {
  const row = await ctx.db
    .selectFrom('experiment_permissions')
    .select('permission')
    .where('experiment_id', '=', experimentId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? stored(row.permission) : null;
}

export async function getExperimentPermission(
  ctx: AuthContext,
  experimentId: string,
  username: string,
): Promise<ExperimentPermission> {
  const user = await userRow(ctx, username);
  const permission = await findExperimentPermission(ctx, experimentId, user.id);
  if (permission === null) throw experimentNotFound(experimentId, username);
  return { experimentId, userId: user.id, permission };
}

export async function listExperimentPermissions(
  ctx: AuthContext,
  userId: number,
): Promise<ExperimentPermission[]> {
  const rows = await ctx.db
    .selectFrom('experiment_permissions')
    .select(['experiment_id', 'permission'])
    .where('user_id', '=', userId)
    .execute();
  return rows.flatMap((r) => {
    const permission = stored(r.permission);
    return permission ? [{ experimentId: r.experiment_id, userId, permission }] : [];
  });
}

export async function updateExperimentPermission(
  ctx: AuthContext,
  experimentId: string,
  username: string,
  permission: string,
): Promise<ExperimentPermission> {
  const name = validatePermission(permission);
  const user = await userRow(ctx, username);
  const result = await ctx.db
    .updateTable('experiment_permissions')
    .set({ permission: name })
    .where('experiment_id', '=', experimentId)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw experimentNotFound(experimentId, username);
  return { experimentId, userId: user.id, permission: name };
}

export async function deleteExperimentPermission(
  ctx: AuthContext,
  experimentId: string,
  username: string,
): Promise<void> {
  const user = await userRow(ctx, username);
  const result = await ctx.db
    .deleteFrom('experiment_permissions')
    .where('experiment_id', '=', experimentId)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw experimentNotFound(experimentId, username);
}

export async function createRegisteredModelPermission(
  ctx: AuthContext,
  name: string,
  username: string,
  permission: string,
): Promise<RegisteredModelPermission> {
  const level = validatePermission(permission);
  const user = await userRow(ctx, username);
  try {
    await ctx.db
      .insertInto('registered_model_permissions')
      .values({ name, user_id: user.id, permission: level, workspace: DEFAULT_WORKSPACE })
      .execute();
  } catch (cause) {
    if (ctx.adapter.isUniqueViolation(cause))
      throw MlflowError.resourceAlreadyExists(
        `Registered model permission with workspace=${DEFAULT_WORKSPACE}, name=${name} and username=${username} already exists.`,
        { cause },
      );
    throw cause;
  }
  return { name, userId: user.id, permission: level, workspace: DEFAULT_WORKSPACE };
}

export async function findRegisteredModelPermission(
  ctx: AuthContext,
  name: string,
  userId: number,
): Promise<PermissionName | null> {
  const row = await ctx.db
    .selectFrom('registered_model_permissions')
    .select('permission')
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', '=', name)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? stored(row.permission) : null;
}

export async function getRegisteredModelPermission(
  ctx: AuthContext,
  name: string,
  username: string,
): Promise<RegisteredModelPermission> {
  const user = await userRow(ctx, username);
  const permission = await findRegisteredModelPermission(ctx, name, user.id);
  if (permission === null) throw modelNotFound(name, username);
  return { name, userId: user.id, permission, workspace: DEFAULT_WORKSPACE };
}

export async function listRegisteredModelPermissions(
  ctx: AuthContext,
  userId: number,
): Promise<RegisteredModelPermission[]> {
  const rows = await ctx.db
    .selectFrom('registered_model_permissions')
    .select(['name', 'permission'])
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('user_id', '=', userId)
    .execute();
  return rows.flatMap((r) => {
    const permission = stored(r.permission);
    return permission ? [{ name: r.name, userId, permission, workspace: DEFAULT_WORKSPACE }] : [];
  });
}

export async function updateRegisteredModelPermission(
  ctx: AuthContext,
  name: string,
  username: string,
  permission: string,
): Promise<RegisteredModelPermission> {
  const level = validatePermission(permission);
  const user = await userRow(ctx, username);
  const result = await ctx.db
    .updateTable('registered_model_permissions')
    .set({ permission: level })
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', '=', name)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw modelNotFound(name, username);
  return { name, userId: user.id, permission: level, workspace: DEFAULT_WORKSPACE };
}

export async function deleteRegisteredModelPermission(
  ctx: AuthContext,
  name: string,
  username: string,
): Promise<void> {
  const user = await userRow(ctx, username);
  const result = await ctx.db
    .deleteFrom('registered_model_permissions')
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', '=', name)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw modelNotFound(name, username);
}

export async function deleteRegisteredModelPermissions(ctx: AuthContext, name: string): Promise<void> {
  await ctx.db
    .deleteFrom('registered_model_permissions')
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', '=', name)
    .execute();
}

export async function renameRegisteredModelPermissions(
  ctx: AuthContext,
  oldName: string,
  newName: string,
): Promise<void> {
  if (oldName === newName) return;
  await ctx.db.transaction().execute(async (trx) => {
    // Rows left under the new name belong to a model deleted while auth was off; the renamed model's win.
    await trx
      .deleteFrom('registered_model_permissions')
      .where('workspace', '=', DEFAULT_WORKSPACE)
      .where('name', '=', newName)
      .execute();
    await trx
      .updateTable('registered_model_permissions')
      .set({ name: newName })
      .where('workspace', '=', DEFAULT_WORKSPACE)
      .where('name', '=', oldName)
      .execute();
  });
}
