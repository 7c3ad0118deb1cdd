import { randomUUID } from 'node:crypto';
import type { RegistryStore, TrackingStore } from '@flowline/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type ArtifactAccess, createArtifactAccess } from './artifact-access.js';
import { registerAuth, type ServerAuth } from './auth/auth-plugin.js';
import { mlflowErrors, registerErrorHandling } from './plugins/errors.js';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS, registerIdleBodyTimeout } from './plugins/idle-body.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerSecurity } from './plugins/security.js';
import { artifactProxyRoutes } from './routes/artifact-proxy.js';
import { experimentRoutes } from './routes/experiments.js';
import { graphqlRoute } from './routes/graphql.js';
import { bulkHistoryRoute, metricRoutes } from './routes/metrics.js';
import { modelVersionArtifactRoute } from './routes/model-version-artifacts.js';
import { promptlabRoute } from './routes/promptlab.js';
import { registryRoutes } from './routes/registry.js';
import { getArtifactRoute, runArtifactRoutes } from './routes/run-artifacts.js';
import { runRoutes } from './routes/runs.js';
import { uploadArtifactRoute } from './routes/upload-artifact.js';
import { SERVER_VERSION } from './version.js';
import { registerWebUi } from './web-ui.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The tracking store every route uses. */
    store: TrackingStore;
  }
}

/** What `buildServer` needs. */
export interface ServerOptions {
  store: TrackingStore;
  /** A pino logger, `true` for the default one, or `false` for none (tests). */
  logger?: FastifyBaseLogger | boolean;
  /** Browser origins allowed to send state-changing requests besides the server's own. */
  corsAllowedOrigins?: string[];
  /** Host headers accepted (MLflow's `--allowed-hosts`); default: loopback, private-network and bound addresses. */
  allowedHosts?: string[];
  /** MLflow's `--x-frame-options`: `SAMEORIGIN` (default), `DENY` or `NONE`. */
  xFrameOptions?: string;
  /** MLflow's `--disable-security-middleware`: no Host check, origin guard or security headers. */
  disableSecurityMiddleware?: boolean;
  /** A request body that sends nothing for this long is cut off with 408 (default 30 000 ms; 0: never). */
  bodyIdleTimeoutMs?: number;
  /** Largest accepted JSON body in bytes (default 16 MiB). Artifact uploads stream and have no limit. */
  bodyLimit?: number;
  /** Artifact repositories and the proxy destination (default: no proxy; run artifacts read by URI scheme). */
  artifacts?: ArtifactAccess;
  /** The model registry (registry endpoints answer INVALID_PARAMETER_VALUE without one). */
  registry?: RegistryStore;
  /** The built web UI's folder (default: `$FLOWLINE_WEB_DIST` or the workspace's `apps/web/dist`); `null` for none. */
  webRoot?: string | null;
  /** MLflow's basic-auth app (`--app-name basic-auth`): every route then needs its permission rule. */
  auth?: ServerAuth;
}

/** The API prefixes MLflow serves: the public API and the one its web UI calls. */
export const API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
/** Where the artifact proxy is mounted, as in MLflow. */
export const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'] as const;

/**
 * Builds the tracking server (MLflow's REST API 2.0 under both prefixes, `/health`, `/version`) without
 * listening; call `listen` on the result, or `inject` in tests.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;
  const loggerOption =
    options.logger === undefined || typeof options.logger === 'boolean'
      ? { logger: options.logger ?? false }
      : { loggerInstance: options.logger };
  const app = Fastify({
    ...loggerOption,
    bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  });
  app.decorate('store', options.store);
  const access = options.artifacts ?? createArtifactAccess(null);
  const registry = options.registry ?? null;
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app, { format: mlflowErrors() });
  registerIdleBodyTimeout(
    app,
    options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
    '--body-idle-timeout (FLOWLINE_BODY_IDLE_TIMEOUT)',
  );
  registerSecurity(app, {
    allowedOrigins: options.corsAllowedOrigins,
    allowedHosts: options.allowedHosts,
    xFrameOptions: options.xFrameOptions,
    disabled: options.disableSecurityMiddleware,
  });
  registerJsonBody(app, bodyLimit);
  // Before any route, so its hooks and route table cover every one of them.
  if (options.auth) await registerAuth(app, options.auth);

  app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(SERVER_VERSION));

  for (const prefix of API_PREFIXES) {
    await app.register(
      async (api) => {
        await experimentRoutes(api);
        await runRoutes(api);
        await metricRoutes(api);
        await runArtifactRoutes(api, { access });
        await registryRoutes(api, { registry: options.registry ?? null });
        await modelVersionArtifactRoute(api, { access, registry });
        if (prefix.startsWith('/ajax-api')) {
          await bulkHistoryRoute(api);
          await getArtifactRoute(api, { access });
          await uploadArtifactRoute(api, { access });
          await promptlabRoute(api, { access });
        }
      },
      { prefix },
    );
  }
  await getArtifactRoute(app, { access });
  // MLflow serves these two at the root, beside `/get-artifact`.
  await modelVersionArtifactRoute(app, { access, registry });
  await graphqlRoute(app, { access, registry });
  for (const prefix of ARTIFACT_PREFIXES) {
    await app.register(artifactProxyRoutes, { prefix, destination: access.destination });
  }
  await registerWebUi(app, options.webRoot);
  await app.ready();
  return app;
}
