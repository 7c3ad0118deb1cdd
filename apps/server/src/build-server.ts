import { randomUUID } from 'node:crypto';
import type { RegistryStore, TrackingStore } from '@flowline/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type ArtifactAccess, createArtifactAccess } from './artifact-access.js';
import { registerAuth, type ServerAuth } from './auth/auth-plugin.js';
import { mlflowErrors, registerErrorHandling } from './plugins/errors.js';
import { sharedHandles } from './plugins/handles.js';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS, registerIdleBodyTimeout } from './plugins/idle-body.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerSecurity } from './plugins/security.js';
import { areaRoutes } from './routes/areas.js';
import { otlpTracesRoute } from './routes/otlp-traces.js';
import { SERVER_VERSION } from './version.js';
import { registerWebUi } from './web-ui.js';

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
  await app.register(sharedHandles, {
    store: options.store,
    registry: options.registry ?? null,
    artifacts: options.artifacts ?? createArtifactAccess(null),
  });
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

  // MLflow answers OK; a load balancer's readiness probe also learns whether the database answers.
  app.get('/health', async (request, reply) => {
    const ping = (options.store as { ping?: () => Promise<void> }).ping;
    if (ping) {
      try {
        await withTimeout(ping.call(options.store), HEALTH_DB_TIMEOUT_MS);
      } catch (error) {
        request.log.warn({ err: error }, 'health check: the database did not answer');
        return reply.status(503).type('text/plain').send('database unreachable');
      }
    }
    return reply.type('text/plain').send('OK');
  });
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(SERVER_VERSION));

  // Every route area, each an encapsulated plugin under its prefixes.
  await app.register(areaRoutes);
  // MLflow's OTLP endpoint: any OpenTelemetry SDK exports spans here (x-mlflow-experiment-id names the experiment).
  await app.register(otlpTracesRoute);
  await registerWebUi(app, options.webRoot);
  await app.ready();
  return app;
}

/** How long `/health` waits for the database before answering 503. */
const HEALTH_DB_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
