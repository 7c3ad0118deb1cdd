import { randomUUID } from 'node:crypto';
import {
  type AuthConfig,
  type AuthStore,
  type AuthUser,
  type LoginLimiterOptions,
  PermissionRules,
} from '@flowline/auth';
import { MlflowError } from '@flowline/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiRoutes } from '../api-route.js';
import { AJAX_PREFIX } from '../routes/api-areas.js';
import { AFTER_EFFECTS, type AfterContext } from './after-effects.js';
import { Authenticator, type AuthFailure } from './authenticator.js';
import type { GraphqlGuard } from './graphql-guard.js';
import { ROUTE_RULES, type Rule, type RuleContext, ruleKey } from './rules.js';
import { signupRoutes } from './signup.js';
import { type Accounts, permissionRoutes, sharedUserRoutes, userRoutes } from './user-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, once the auth layer has let the request in. */
    authUser?: AuthUser;
    /** Per-field checks for `/graphql` (non-admins, with field checks on). */
    graphqlGuard?: GraphqlGuard;
  }
}

/** MLflow's basic-auth app, for `buildServer`: its store and configuration. */
export interface ServerAuth {
  store: AuthStore;
  config: Pick<AuthConfig, 'defaultPermission' | 'authCacheTtlSeconds' | 'authCacheMaxSize'>;
  /** Failed-login limits (default 10 per username, 30 per address, per minute). */
  loginLimits?: LoginLimiterOptions;
  /** Check GraphQL's protected fields one by one (default: `MLFLOW_SERVER_ENABLE_GRAPHQL_AUTH`, on unless `false`). */
  graphqlFieldChecks?: boolean;
  /** Signs the /signup form's CSRF token (default: `MLFLOW_FLASK_SERVER_SECRET_KEY`, else one per process). */
  csrfSecret?: string;
}

/** A route as the auth layer saw it registered, and its rule. */
export interface GuardedRoute {
  method: string;
  url: string;
  key: string;
  rule: Rule | undefined;
}

const guarded = new WeakMap<object, GuardedRoute[]>();
const INTERNAL_HEADER = 'x-flowline-internal-user';

/** Every route registered after the auth layer, with its rule (undefined: none, so refused). For tests. */
export function guardedRoutes(app: FastifyInstance): readonly GuardedRoute[] {
  return guarded.get(app.server) ?? [];
}

function sendFailure(reply: FastifyReply, failure: AuthFailure): FastifyReply {
  reply.status(failure.status).type('text/plain; charset=utf-8');
  // The header makes browsers ask for a username and password, as MLflow's response does.
  if (failure.status === 401) reply.header('www-authenticate', 'Basic realm="mlflow"');
  if (failure.retryAfter !== undefined) reply.header('retry-after', String(failure.retryAfter));
  return reply.send(failure.message);
}

/** MLflow's answer when a check fails. */
function forbid(reply: FastifyReply, message = 'Permission denied'): FastifyReply {
  return reply.status(403).type('text/plain; charset=utf-8').send(message);
}

const envFlag = (value: string | undefined, fallback: boolean) =>
  value === undefined || value === '' ? fallback : !/^(false|0|no|off)$/i.test(value.trim());

/**
 * The one layer that decides every request, before any handler runs. Each route's rule comes from
 * `ROUTE_RULES` by method and path, for every route registered after this (tracking, registry, artifacts,
 * ajax, GraphQL, the web UI and any added later): public ones pass; everything else needs valid basic
 * credentials (401 with `WWW-Authenticate: Basic realm="mlflow"`, 429 after repeated failures), then its
 * check (403 `Permission denied`), admins passing every check. A route without a rule is refused for
 * everyone, so a new route family is closed until someone declares who may call it. After a successful
 * response, MLflow's after-effects run: creators get MANAGE, registry permissions follow renames and
 * deletes, and search results keep only what the caller may read.
 */
export async function registerAuth(app: FastifyInstance, auth: ServerAuth): Promise<void> {
  const rules = new PermissionRules(auth.store, auth.config.defaultPermission);
  const authenticator = new Authenticator(
    auth.store,
    { ttlSeconds: auth.config.authCacheTtlSeconds, maxSize: auth.config.authCacheMaxSize },
    auth.loginLimits,
  );
  const graphqlFieldChecks =
    auth.graphqlFieldChecks ?? envFlag(process.env.MLFLOW_SERVER_ENABLE_GRAPHQL_AUTH, true);
  const internal = new Map<string, AuthUser>();
  const internalRequests = new WeakSet<FastifyRequest>();
  const runExperiments = new Map<string, string>();
  const routes: GuardedRoute[] = [];
  guarded.set(app.server, routes);

  // Declared once, so every request has the same shape (fastify's advice for speed).
  app.decorateRequest('authUser', undefined);
  app.decorateRequest('graphqlGuard', undefined);
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      const key = ruleKey(method, route.url);
      routes.push({ method, url: route.url, key, rule: ROUTE_RULES[key] });
    }
  });

  const keys = new Map<string, string>();
  const keyOf = (method: string, url: string): string => {
    const id = `${method} ${url}`;
    let key = keys.get(id);
    if (key === undefined) {
      key = ruleKey(method, url);
      keys.set(id, key);
    }
    return key;
  };
  const ruleOf = (request: FastifyRequest): Rule | undefined => {
    const url = request.routeOptions.url;
    return url === undefined ? undefined : ROUTE_RULES[keyOf(request.method, url)];
  };

  const context = (request: FastifyRequest, user: AuthUser): RuleContext => ({
    request,
    user,
    rules,
    tracking: app.store,
    graphqlFieldChecks,
    async experimentOfRun(runId) {
      let id = runExperiments.get(runId);
      if (id === undefined) {
        id = (await app.store.getRun(runId)).info.experimentId;
        if (runExperiments.size >= 10_000)
          runExperiments.delete(runExperiments.keys().next().value as string);
        runExperiments.set(runId, id);
      }
      return id;
    },
  });

  // Who: before the body is read, so an anonymous upload is refused without being received.
  app.addHook('onRequest', async (request, reply) => {
    const rule = ruleOf(request);
    if (rule?.kind === 'public') return;
    const token = request.headers[INTERNAL_HEADER];
    const delegated = typeof token === 'string' ? internal.get(token) : undefined;
    if (delegated) {
      request.authUser = delegated;
      internalRequests.add(request);
      return;
    }
    const result = await authenticator.authenticate(request.headers.authorization, request.ip);
    if ('status' in result) return sendFailure(reply, result);
    request.authUser = result;
  });

  // What: with the body parsed, since MLflow's checks read their ids from it.
  app.addHook('preValidation', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no route: the 404 answer reveals nothing
    const rule = ruleOf(request);
    if (!rule) {
      request.log.error({ method: request.method, url }, 'route without a permission rule refused');
      return forbid(
        reply,
        `${request.method} ${url} has no permission rule, so this server refuses it for everyone. ` +
          'Declare one in apps/server/src/auth/rules.ts (ROUTE_RULES).',
      );
    }
    if (rule.kind === 'public') return;
    const user = request.authUser;
    if (!user) return sendFailure(reply, { status: 401, message: 'You are not authenticated.' });
    if (rule.kind === 'authenticated') return rule.prepare?.(context(request, user));
    if (user.isAdmin) return;
    if (rule.kind === 'admin' || !(await rule.check(context(request, user)))) return forbid(reply);
  });

  app.addHook('preSerialization', async (request, reply, payload) => {
    const url = request.routeOptions.url;
    const user = request.authUser;
    if (reply.statusCode !== 200 || !user || url === undefined || internalRequests.has(request))
      return payload;
    const effect = AFTER_EFFECTS[keyOf(request.method, url)];
    if (!effect || payload === null || typeof payload !== 'object') return payload;
    const ctx: AfterContext = {
      request,
      user,
      store: auth.store,
      rules,
      refetch: (overrides) => refetch(request, user, overrides),
    };
    return effect(ctx, payload as Record<string, unknown>);
  });

  /** The same search from another page, through the server itself, for the same user. */
  async function refetch(
    request: FastifyRequest,
    user: AuthUser,
    overrides: { page_token: string; max_results: number },
  ): Promise<Record<string, unknown>> {
    const token = randomUUID();
    internal.set(token, user);
    try {
      const method = request.method === 'HEAD' ? 'GET' : (request.method as 'GET' | 'POST');
      const headers = { host: request.headers.host ?? 'localhost', [INTERNAL_HEADER]: token };
      const url = request.url.split('?')[0] ?? request.url;
      const response =
        method === 'GET'
          ? await app.inject({
              method,
              url,
              headers,
              query: {
                ...(request.query as Record<string, string | string[]>),
                page_token: overrides.page_token,
                max_results: String(overrides.max_results),
              },
            })
          : await app.inject({
              method,
              url,
              headers,
              payload: { ...(request.body as object), ...overrides },
            });
      if (response.statusCode !== 200)
        throw MlflowError.internal(
          `Refetching a filtered search page failed with HTTP ${response.statusCode}.`,
        );
      return response.json() as Record<string, unknown>;
    } finally {
      internal.delete(token);
    }
  }

  const accounts: Accounts = {
    store: auth.store,
    rules,
    invalidate: (username) => authenticator.invalidate(username),
  };
  const secret = auth.csrfSecret ?? process.env.MLFLOW_FLASK_SERVER_SECRET_KEY;
  await app.register(async (area) => {
    // The accounts are this area's own handle: only its routes see them.
    area.decorate('accounts', accounts);
    await area.register(apiRoutes([...sharedUserRoutes, ...userRoutes, ...permissionRoutes]), {
      prefix: '/api/2.0/mlflow',
    });
    await area.register(apiRoutes(sharedUserRoutes), { prefix: AJAX_PREFIX });
    await signupRoutes(area, { secret });
  });
}
