import type { AuthStore, PermissionRules, UserDetails } from '@flowline/auth';
import { MlflowError } from '@flowline/core';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { required } from '../inputs.js';
import { endpoint } from '../route.js';
import { AuthRequests, AuthResponses, type UserOut } from './auth-schemas.js';

/** What the user and permission endpoints need. */
export interface UserRoutesOptions {
  store: AuthStore;
  rules: PermissionRules;
  /** Drops a user's cached credentials after their password, admin flag or account changed. */
  invalidate(username: string): void;
}

/** MLflow's `User.to_json()`. */
export function toWireUser(user: UserDetails): Static<typeof UserOut> {
  return {
    id: user.id,
    username: user.username,
    is_admin: user.isAdmin,
    experiment_permissions: user.experimentPermissions.map((p) => ({
      experiment_id: p.experimentId,
      user_id: p.userId,
      permission: p.permission,
    })),
    registered_model_permissions: user.registeredModelPermissions.map((p) => ({
      name: p.name,
      user_id: p.userId,
      permission: p.permission,
    })),
    scorer_permissions: user.scorerPermissions.map((p) => ({
      experiment_id: p.experimentId,
      scorer_name: p.scorerName,
      user_id: p.userId,
      permission: p.permission,
    })),
  };
}

/**
 * MLflow's user endpoints under `/api/2.0/mlflow` (`users/create|get|update-password|update-admin|delete`,
 * and `users/list` under both prefixes as MLflow 3), and Flowline's `users/current` for the web UI. Who
 * may call each is `ROUTE_RULES`' business; these only do the work.
 */
export async function userRoutes(
  app: FastifyInstance,
  options: UserRoutesOptions & { ajax: boolean },
): Promise<void> {
  const { store } = options;
  endpoint(
    app,
    'GET',
    '/users/list',
    { input: AuthRequests.none, output: AuthResponses.users },
    async () => ({
      users: (await store.listUsers()).map((u) => ({ id: u.id, username: u.username })),
    }),
  );
  endpoint(
    app,
    'GET',
    '/users/current',
    { input: AuthRequests.none, output: AuthResponses.current },
    async (_input, request) => ({
      user: toWireUser(await store.getUser(request.authUser?.username ?? '')),
      default_permission: options.rules.defaultPermission.name,
    }),
  );
  if (options.ajax) return;

  endpoint(
    app,
    'POST',
    '/users/create',
    { input: AuthRequests.credentials, output: AuthResponses.user },
    async (input) => {
      if (!input.username || !input.password)
        throw MlflowError.invalidParameterValue('Username and password cannot be empty.');
      const user = await store.createUser(input.username, input.password);
      return { user: toWireUser(await store.getUser(user.username)) };
    },
  );
  endpoint(
    app,
    'GET',
    '/users/get',
    { input: AuthRequests.username, output: AuthResponses.user },
    async (input) => ({
      user: toWireUser(await store.getUser(required(input.username, 'username'))),
    }),
  );
  endpoint(
    app,
    'PATCH',
    '/users/update-password',
    { input: AuthRequests.credentials, output: AuthResponses.empty },
    async (input) => {
      const username = required(input.username, 'username');
      await store.updateUser(username, { password: required(input.password, 'password') });
      options.invalidate(username);
      return {};
    },
  );
  endpoint(
    app,
    'PATCH',
    '/users/update-admin',
    { input: AuthRequests.admin, output: AuthResponses.empty },
    async (input) => {
      const username = required(input.username, 'username');
      if (input.is_admin === undefined)
        throw MlflowError.invalidParameterValue(
          "Missing value for required parameter 'is_admin'. See the API docs for more information about request parameters.",
        );
      await store.updateUser(username, { isAdmin: input.is_admin });
      options.invalidate(username);
      return {};
    },
  );
  endpoint(
    app,
    'DELETE',
    '/users/delete',
    { input: AuthRequests.username, output: AuthResponses.empty },
    async (input) => {
      const username = required(input.username, 'username');
      await store.deleteUser(username);
      options.invalidate(username);
      return {};
    },
  );
}

/** MLflow's experiment and registered-model permission endpoints under `/api/2.0/mlflow`. */
export async function permissionRoutes(app: FastifyInstance, options: { store: AuthStore }): Promise<void> {
  const { store } = options;
  const E = { input: AuthRequests.experimentPermission, output: AuthResponses.experimentPermission };
  const experimentPermission = (p: { experimentId: string; userId: number; permission: string }) => ({
    experiment_permission: { experiment_id: p.experimentId, user_id: p.userId, permission: p.permission },
  });
  const ids = (input: Static<typeof AuthRequests.experimentPermission>) =>
    [required(input.experiment_id, 'experiment_id'), required(input.username, 'username')] as const;
  endpoint(app, 'POST', '/experiments/permissions/create', E, async (input) =>
    experimentPermission(
      await store.createExperimentPermission(...ids(input), required(input.permission, 'permission')),
    ),
  );
  endpoint(app, 'GET', '/experiments/permissions/get', E, async (input) =>
    experimentPermission(await store.getExperimentPermission(...ids(input))),
  );
  endpoint(
    app,
    'PATCH',
    '/experiments/permissions/update',
    { ...E, output: AuthResponses.empty },
    async (input) => {
      await store.updateExperimentPermission(...ids(input), required(input.permission, 'permission'));
      return {};
    },
  );
  endpoint(
    app,
    'DELETE',
    '/experiments/permissions/delete',
    { ...E, output: AuthResponses.empty },
    async (input) => {
      await store.deleteExperimentPermission(...ids(input));
      return {};
    },
  );

  const M = { input: AuthRequests.modelPermission, output: AuthResponses.modelPermission };
  const modelPermission = (p: { name: string; userId: number; permission: string }) => ({
    registered_model_permission: { name: p.name, user_id: p.userId, permission: p.permission },
  });
  const keys = (input: Static<typeof AuthRequests.modelPermission>) =>
    [required(input.name, 'name'), required(input.username, 'username')] as const;
  endpoint(app, 'POST', '/registered-models/permissions/create', M, async (input) =>
    modelPermission(
      await store.createRegisteredModelPermission(...keys(input), required(input.permission, 'permission')),
    ),
  );
  endpoint(app, 'GET', '/registered-models/permissions/get', M, async (input) =>
    modelPermission(await store.getRegisteredModelPermission(...keys(input))),
  );
  endpoint(
    app,
    'PATCH',
    '/registered-models/permissions/update',
    { ...M, output: AuthResponses.empty },
    async (input) => {
      await store.updateRegisteredModelPermission(...keys(input), required(input.permission, 'permission'));
      return {};
    },
  );
  endpoint(
    app,
    'DELETE',
    '/registered-models/permissions/delete',
    { ...M, output: AuthResponses.empty },
    async (input) => {
      await store.deleteRegisteredModelPermission(...keys(input));
      return {};
    },
  );
}
