import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { createArtifactAccess } from './artifact-access.js';
import { openServerAuth } from './auth/open-server-auth.js';
import { buildServer } from './build-server.js';
import { openServerStores } from './open-server-stores.js';

/** Options of `startServer`, named after MLflow's `mlflow server` flags. */
export interface StartServerOptions {
  backendStoreUri: string;
  /** The registry's store (MLflow's `--registry-store-uri`); default: the backend store. */
  registryStoreUri?: string;
  /** Where new experiments put artifacts; default `mlflow-artifacts:/` when serving artifacts, else `./mlruns`. */
  defaultArtifactRoot?: string;
  /** Serve the artifact proxy (MLflow's `--serve-artifacts`, on by default). */
  serveArtifacts?: boolean;
  /** Where the proxy stores artifacts (MLflow's `--artifacts-destination`, default `./mlartifacts`). */
  artifactsDestination?: string;
  host?: string;
  port?: number;
  /** Worker processes sharing the port (default 1: the server runs in this process). */
  workers?: number;
  corsAllowedOrigins?: string[];
  /** Host headers accepted (MLflow's `--allowed-hosts`); default: loopback, private-network and bound addresses. */
  allowedHosts?: string[];
  /** MLflow's `--x-frame-options`: `SAMEORIGIN` (default), `DENY` or `NONE`. */
  xFrameOptions?: string;
  /** MLflow's `--disable-security-middleware`. */
  disableSecurityMiddleware?: boolean;
  /** A request body silent this long is cut off with 408 (default 30 000 ms; 0: never). */
  bodyIdleTimeoutMs?: number;
  /** Log level for the pino logger (default `info`). */
  logLevel?: string;
  /** MLflow's `--app-name`: `basic-auth` turns on users and permissions (`MLFLOW_AUTH_CONFIG_PATH`). */
  appName?: string;
}

/** A running server: its address, and `close()` to drain requests and close the store. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the store, builds the server and listens (127.0.0.1:5000 by default). SIGINT/SIGTERM drain
 * in-flight requests, then close the store. With `workers > 1` the primary forks that many workers.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 5000;
  const logger = pino({ level: options.logLevel ?? 'info', base: { pid: process.pid } });
  const workers = options.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) return startPrimary(options, workers, host, port, logger);

  const serve = options.serveArtifacts ?? true;
  const destination = options.artifactsDestination ?? resolve('mlartifacts');
  // MLflow's order: an explicit root; else the proxy when serving artifacts; else ./mlruns.
  const defaultArtifactRoot =
    options.defaultArtifactRoot ?? (serve ? 'mlflow-artifacts:/' : resolve('mlruns'));
  const auth = await openServerAuth(options.appName, logger);
  // One database (one pool, one migration) for tracking and registry unless --registry-store-uri names another.
  const stores = await openServerStores({
    backendStoreUri: options.backendStoreUri,
    registryStoreUri: options.registryStoreUri,
    defaultArtifactRoot,
    sourcePattern: sourcePatternFromEnv(),
  });
  const { store, registry } = stores;
  const app = await buildServer({
    store,
    registry,
    logger,
    corsAllowedOrigins: options.corsAllowedOrigins,
    allowedHosts: options.allowedHosts,
    xFrameOptions: options.xFrameOptions,
    disableSecurityMiddleware: options.disableSecurityMiddleware,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    artifacts: createArtifactAccess(serve ? destination : null),
    auth,
  });
  const address = await app.listen({ host, port });
  logger.info(
    {
      url: address,
      store: stores.uri,
      artifacts: serve ? destination : 'not served',
      defaultArtifactRoot,
    },
    'flowline server listening',
  );
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down: draining requests');
      await app.close();
      await stores.close();
      await auth?.close();
      logger.info('stopped');
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { url: address, close };
}

function startPrimary(
  _options: StartServerOptions,
  workers: number,
  host: string,
  port: number,
  logger: pino.Logger,
): Promise<RunningServer> {
  return new Promise((resolve) => {
    let listening = 0;
    let stopping = false;
    const fork = () => cluster.fork({ FLOWLINE_WORKER: '1' });
    cluster.on('listening', () => {
      listening += 1;
      if (listening === workers) {
        const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
        logger.info({ url, workers }, 'flowline server listening');
        resolve({ url, close: stop });
      }
    });
    cluster.on('exit', (worker, code) => {
      if (!stopping) {
        logger.warn({ pid: worker.process.pid, code }, 'worker exited; starting another');
        fork();
      }
    });
    const stop = async () => {
      stopping = true;
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (w) =>
            new Promise<void>((done) => {
              if (!w) return done();
              w.once('exit', () => done());
              w.kill('SIGTERM');
            }),
        ),
      );
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => stop().then(() => process.exit(0)));
    }
    for (let i = 0; i < workers; i++) fork();
  });
}

/** MLflow's `MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX`: new versions' sources must match it. */
function sourcePatternFromEnv(): RegExp | undefined {
  const text = process.env.MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX;
  if (!text) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new Error(
      `MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX is not a valid regular expression (${(error as Error).message}); fix or unset it.`,
    );
  }
}
