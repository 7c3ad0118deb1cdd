import { MlflowError } from '@flowline/core';
import { sql } from 'kysely';
import type { AuthUser, UserDetails } from '../auth-store.js';
import { USER_OWNED_TABLES } from '../database.js';
import { hashPassword, verifyPassword } from '../password-hash.js';
import type { PermissionName } from '../permissions.js';
import type { AuthContext } from './context.js';

/** MLflow's `_validate_username`. */
function validateUsername(username: unknown): string {
  if (typeof username !== 'string' || username === '')
    throw MlflowError.invalidParameterValue('Username cannot be empty.');
  return username;
}

/** MLflow's `_validate_password` (its message says "longer than", its check is at least 12). */
function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < 12)
    throw MlflowError.invalidParameterValue('Password must be a string longer than 12 characters.');
  return password;
}

/** BOOLEAN as either driver returns it (0/1 from SQLite). */
const bool = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 't';

const notFound = (username: string) =>
  MlflowError.resourceDoesNotExist(`User with username=${username} not found`);

interface UserRow {
  id: number;
  username: string | null;
  password_hash: string | null;
  is_admin: unknown;
}

const toUser = (row: UserRow): AuthUser => ({
  id: Number(row.id),
  username: row.username ?? '',
  isAdmin: bool(row.is_admin),
});

async function findRow(ctx: AuthContext, username: string): Promise<UserRow | undefined> {
  return ctx.db
    .selectFrom('users')
    .select(['id', 'username', 'password_hash', 'is_admin'])
    .where('username', '=', username)
    .executeTakeFirst() as Promise<UserRow | undefined>;
}

/** The user row of a username; RESOURCE_DOES_NOT_EXIST with MLflow's message when there is none. */
export async function userRow(ctx: AuthContext, username: string): Promise<AuthUser> {
  const row = await findRow(ctx, username);
  if (!row) throw notFound(username);
  return toUser(row);
}

export async function createUser(
  ctx: AuthContext,
  username: string,
  password: string,
  isAdmin: boolean,
): Promise<AuthUser> {
  validateUsername(username);
  const hash = await hashPassword(validatePassword(password));
  try {
    const row = await ctx.db
      .insertInto('users')
      .values({ username, password_hash: hash, is_admin: sql<boolean>`${sql.lit(isAdmin)}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), username, isAdmin };
  } catch (cause) {
    if (ctx.adapter.isUniqueViolation(cause))
      throw MlflowError.resourceAlreadyExists(`User (username=${username}) already exists.`, { cause });
    throw cause;
  }
}

export async function hasUser(ctx: AuthContext, username: string): Promise<boolean> {
  return (await findRow(ctx, username)) !== undefined;
}

let dummyHash: Promise<string> | undefined;

export async function authenticate(
  ctx: AuthContext,
  username: string,
  password: string,
): Promise<AuthUser | null> {
  const row = await findRow(ctx, username);
  if (!row) {
    // As long as a real check, so the answer's timing does not tell which usernames exist.
    dummyHash ??= hashPassword('flowline-no-such-user');
    await verifyPassword(await dummyHash, password);
    return null;
  }
  return (await verifyPassword(row.password_hash, password)) ? toUser(row) : null;
}

export async function listUsers(ctx: AuthContext): Promise<AuthUser[]> {
  const rows = await ctx.db
    .selectFrom('users')
    .select(['id', 'username', 'password_hash', 'is_admin'])
    .orderBy('id')
    .execute();
  return rows.map((r) => toUser(r as UserRow));
}

export async function getUser(ctx: AuthContext, username: string): Promise<UserDetails> {
  const user = await userRow(ctx, username);
  const [experiments, models, scorers] = await Promise.all([
    ctx.db
      .selectFrom('experiment_permissions')
      .select(['experiment_id', 'permission'])
      .where('user_id', '=', user.id)
      .orderBy('id')
      .execute(),
    ctx.db
      .selectFrom('registered_model_permissions')
      .select(['name', 'permission', 'workspace'])
      .where('user_id', '=', user.id)
      .orderBy('id')
      .execute(),
    ctx.db
      .selectFrom('scorer_permissions')
      .select(['experiment_id', 'scorer_name', 'permission'])
      .where('user_id', '=', user.id)
      .orderBy('id')
      .execute(),
  ]);
  const name = (p: string | null) => (p ?? 'NO_PERMISSIONS') as PermissionName;
  return {
    ...user,
    experimentPermissions: experiments.map((r) => ({
      experimentId: r.experiment_id,
      userId: user.id,
      permission: name(r.permission),
    })),
    registeredModelPermissions: models.map((r) => ({
      name: r.name,
      userId: user.id,
      permission: name(r.permission),
      workspace: r.workspace,
    })),
    scorerPermissions: scorers.map((r) => ({
      experimentId: r.experiment_id,
      scorerName: r.scorer_name,
      userId: user.id,
      permission: name(r.permission),
    })),
  };
}

export async function updateUser(
  ctx: AuthContext,
  username: string,
  changes: { password?: string; isAdmin?: boolean },
): Promise<AuthUser> {
  const user = await userRow(ctx, username);
  const hash =
    changes.password === undefined ? undefined : await hashPassword(validatePassword(changes.password));
  if (hash === undefined && changes.isAdmin === undefined) return user;
  await ctx.db
    .updateTable('users')
    .set({
      ...(hash === undefined ? {} : { password_hash: hash }),
      ...(changes.isAdmin === undefined ? {} : { is_admin: sql<boolean>`${sql.lit(changes.isAdmin)}` }),
    })
    .where('id', '=', user.id)
    .execute();
  return { ...user, isAdmin: changes.isAdmin ?? user.isAdmin };
}

export async function deleteUser(ctx: AuthContext, username: string): Promise<void> {
  const user = await userRow(ctx, username);
  // Their permissions go first: the foreign keys from MLflow's schema do not cascade.
  await ctx.db.transaction().execute(async (trx) => {
    for (const table of USER_OWNED_TABLES)
      await trx.deleteFrom(table).where('user_id', '=', user.id).execute();
    await trx.deleteFrom('users').where('id', '=', user.id).execute();
  });
}
