import type { AuthStore, PermissionRules, UserDetails } from '@flowline/auth';
import { MlflowError } from '@flowline/core';
import type { Static } from '@sinclair/typebox';
import { apiRoute } from '../api-route.js';
import { required } from '../inputs.js';
import { AuthRequests, AuthResponses, type UserOut } from './auth-schemas.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The auth layer's accounts, decorated in its route area only. */
    accounts: Accounts;
  }
}

/** What the user and permission endpoints need. */
export interface Accounts {
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
 * The user endpoints MLflow serves under both prefixes: `users/list` (as MLflow 3) and Flowline's
 * `users/current` for the web UI. Who may call each is `ROUTE_RULES`' business; these only do the work.
 */
export const sharedUserRoutes = [
  apiRoute({
    method: 'GET',
    url: '/users/list',
    schema: { request: AuthRequests.none, response: AuthResponses.users },
    handler: async (_input, { server }) => ({
      users: (await server.accounts.store.listUsers()).map((u) => ({ id: u.id, username: u.username })),
    }),
  }),
  apiRoute({
    method: 'GET',
    url: '/users/current',
    schema: { request: AuthRequests.none, response: AuthResponses.current },
    handler: async (_input, request) => ({
      user: toWireUser(await request.server.accounts.store.getUser(request.authUser?.username ?? '')),
      default_permission: request.server.accounts.rules.defaultPermission.name,
    }),
  }),
];

/** MLflow's user endpoints under `/api/2.0/mlflow`: `users/create|get|update-password|update-admin|delete`. */
export const userRoutes = [
  apiRoute({
    method: 'POST',
    url: '/users/create',
    schema: { request: AuthRequests.credentials, response: AuthResponses.user },
    handler: async (input, { server }) => {
      if (!input.username || !input.password)
        throw MlflowError.invalidParameterValue('Username and password cannot be empty.');
      const user = await server.accounts.store.createUser(input.username, input.password);
      return { user: toWireUser(await server.accounts.store.getUser(user.username)) };
    },
  }),
  apiRoute({
    method: 'GET',
    url: '/users/get',
    schema: { request: AuthRequests.username, response: AuthResponses.user },
    handler: async (input, { server }) => ({
      user: toWireUser(await server.accounts.store.getUser(required(input.username, 'username'))),
    }),
  }),
  apiRoute({
    method: 'PATCH',
    url: '/users/update-password',
    schema: { request: AuthRequests.credentials, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      const username = required(input.username, 'username');
      await server.accounts.store.updateUser(username, { password: required(input.password, 'password') });
      server.accounts.invalidate(username);
      return {};
    },
  }),
  apiRoute({
    method: 'PATCH',
    url: '/users/update-admin',
    schema: { request: AuthRequests.admin, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      const username = required(input.username, 'username');
      if (input.is_admin === undefined)
        throw MlflowError.invalidParameterValue(
          "Missing value for required parameter 'is_admin'. See the API docs for more information about request parameters.",
        );
      await server.accounts.store.updateUser(username, { isAdmin: input.is_admin });
      server.accounts.invalidate(username);
      return {};
    },
  }),
  apiRoute({
    method: 'DELETE',
    url: '/users/delete',
    schema: { request: AuthRequests.username, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      const username = required(input.username, 'username');
      await server.accounts.store.deleteUser(username);
      server.accounts.invalidate(username);
      return {};
    },
  }),
];

const E = { request: AuthRequests.experimentPermission, response: AuthResponses.experimentPermission };
const experimentPermission = (p: { experimentId: string; userId: number; permission: string }) => ({
  experiment_permission: { experiment_id: p.experimentId, user_id: p.userId, permission: p.permission },
});
const ids = (input: Static<typeof AuthRequests.experimentPermission>) =>
  [required(input.experiment_id, 'experiment_id'), required(input.username, 'username')] as const;
const M = { request: AuthRequests.modelPermission, response: AuthResponses.modelPermission };
const modelPermission = (p: { name: string; userId: number; permission: string }) => ({
  registered_model_permission: { name: p.name, user_id: p.userId, permission: p.permission },
});
const keys = (input: Static<typeof AuthRequests.modelPermission>) =>
  [required(input.name, 'name'), required(input.username, 'username')] as const;

/** MLflow's experiment and registered-model permission endpoints under `/api/2.0/mlflow`. */
export const permissionRoutes = [
  apiRoute({
    method: 'POST',
    url: '/experiments/permissions/create',
    schema: E,
    handler: async (input, { server }) =>
      experimentPermission(
        await server.accounts.store.createExperimentPermission(
          ...ids(input),
          required(input.permission, 'permission'),
        ),
      ),
  }),
  apiRoute({
    method: 'GET',
    url: '/experiments/permissions/get',
    schema: E,
    handler: async (input, { server }) =>
      experimentPermission(await server.accounts.store.getExperimentPermission(...ids(input))),
  }),
  apiRoute({
    method: 'PATCH',
    url: '/experiments/permissions/update',
    schema: { request: E.request, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      await server.accounts.store.updateExperimentPermission(
        ...ids(input),
        required(input.permission, 'permission'),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'DELETE',
    url: '/experiments/permissions/delete',
    schema: { request: E.request, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      await server.accounts.store.deleteExperimentPermission(...ids(input));
      return {};
    },
  }),

  apiRoute({
    method: 'POST',
    url: '/registered-models/permissions/create',
    schema: M,
    handler: async (input, { server }) =>
      modelPermission(
        await server.accounts.store.createRegisteredModelPermission(
          ...keys(input),
          required(input.permission, 'permission'),
        ),
      ),
  }),
  apiRoute({
    method: 'GET',
    url: '/registered-models/permissions/get',
    schema: M,
    handler: async (input, { server }) =>
      modelPermission(await server.accounts.store.getRegisteredModelPermission(...keys(input))),
  }),
  apiRoute({
    method: 'PATCH',
    url: '/registered-models/permissions/update',
    schema: { request: M.request, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      await server.accounts.store.updateRegisteredModelPermission(
        ...keys(input),
        required(input.permission, 'permission'),
      );
      return {};
    },
  }),
  apiRoute({
    method: 'DELETE',
    url: '/registered-models/permissions/delete',
    schema: { request: M.request, response: AuthResponses.empty },
    handler: async (input, { server }) => {
      await server.accounts.store.deleteRegisteredModelPermission(...keys(input));
      return {};
    },
  }),
];
