import { resolve } from 'node:path';
import { MlflowError } from '@flowline/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { commaList, envFlag, numberBetween, portNumber, wholeNumber } from '../arguments.js';

/** MLflow's `--x-frame-options` values, any case. */
function frameOptions(value: string): string {
  const upper = value.trim().toUpperCase();
  if (!['SAMEORIGIN', 'DENY', 'NONE'].includes(upper))
    throw new InvalidArgumentError(`--x-frame-options must be SAMEORIGIN, DENY or NONE, got '${value}'.`);
  return upper;
}

/** `flowline server` (alias `ui`): MLflow's tracking server flags. */
export function registerServer(program: Command): void {
  program
    .command('server')
    .alias('ui')
    .description('Run the tracking server (MLflow REST API) on the given store.')
    .helpOption('--help', 'show help for this command')
    .addOption(
      new Option(
        '--backend-store-uri <uri>',
        'metadata store: sqlite:///file.db or postgresql://… (default: sqlite:///mlflow.db)',
      ).env('MLFLOW_BACKEND_STORE_URI'),
    )
    .addOption(
      new Option(
        '--default-artifact-root <uri>',
        'where new experiments keep artifacts (default: mlflow-artifacts:/ when serving artifacts, else ./mlruns)',
      ).env('MLFLOW_DEFAULT_ARTIFACT_ROOT'),
    )
    .addOption(
      new Option('--registry-store-uri <uri>', 'model registry store (default: the backend store)').env(
        'MLFLOW_REGISTRY_STORE_URI',
      ),
    )
    .addOption(
      new Option(
        '--artifacts-destination <uri>',
        'where the artifact proxy stores files: a folder or s3://bucket/prefix',
      )
        .env('MLFLOW_ARTIFACTS_DESTINATION')
        .default('./mlartifacts'),
    )
    .option('--serve-artifacts', 'serve the artifact proxy (the default)', true)
    .option('--no-serve-artifacts', 'do not serve artifacts; clients use the artifact store directly')
    .addOption(
      new Option('-h, --host <host>', 'interface to bind; 0.0.0.0 exposes the server to the network')
        .env('MLFLOW_HOST')
        .default('127.0.0.1'),
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on')
        .env('MLFLOW_PORT')
        .default(5000)
        .argParser(portNumber('--port')),
    )
    .addOption(
      new Option('-w, --workers <n>', 'worker processes sharing the port')
        .env('MLFLOW_WORKERS')
        .default(1)
        .argParser(wholeNumber('--workers')),
    )
    .addOption(
      new Option(
        '--cors-allowed-origins <origins>',
        'comma-separated browser origins allowed to call the API besides the server itself and localhost, 127.0.0.1 and [::1] on any port; wildcards (https://*.example.com) or * for all',
      ).env('MLFLOW_SERVER_CORS_ALLOWED_ORIGINS'),
    )
    .addOption(
      new Option(
        '--allowed-hosts <hosts>',
        'comma-separated Host headers to answer (against DNS rebinding): names, IPs, name:port, wildcards (*.example.com, 192.168.*), or * for any; replaces the default of localhost, 127.0.0.1, [::1], 0.0.0.0, private-network IPs and the bound address, on any port',
      ).env('MLFLOW_SERVER_ALLOWED_HOSTS'),
    )
    .addOption(
      new Option(
        '--x-frame-options <value>',
        'X-Frame-Options: SAMEORIGIN, DENY, or NONE to allow embedding anywhere',
      )
        .env('MLFLOW_SERVER_X_FRAME_OPTIONS')
        .default('SAMEORIGIN')
        .argParser(frameOptions),
    )
    .option(
      '--disable-security-middleware',
      'DANGEROUS: no Host check, cross-origin guard or security headers (also MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE=true)',
    )
    .addOption(
      new Option(
        '--body-idle-timeout <seconds>',
        'answer 408 and close when a request body sends nothing for this long (0: wait forever)',
      )
        .env('FLOWLINE_BODY_IDLE_TIMEOUT')
        .default(30)
        .argParser(numberBetween('--body-idle-timeout', 0, 86_400)),
    )
    .addOption(
      new Option(
        '--app-name <name>',
        "an app around the server: basic-auth for MLflow's users and permissions (configured by MLFLOW_AUTH_CONFIG_PATH)",
      ).choices(['basic-auth']),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(
      async (opts: {
        backendStoreUri?: string;
        registryStoreUri?: string;
        defaultArtifactRoot?: string;
        artifactsDestination: string;
        serveArtifacts: boolean;
        host: string;
        port: number;
        workers: number;
        corsAllowedOrigins?: string;
        allowedHosts?: string;
        xFrameOptions: string;
        disableSecurityMiddleware?: boolean;
        bodyIdleTimeout: number;
        appName?: string;
        logLevel: string;
      }) => {
        const [{ DEFAULT_STORE_URI, fileStoreHint }, { startServer }] = await Promise.all([
          import('@flowline/db'),
          import('@flowline/server'),
        ]);
        const backendStoreUri = opts.backendStoreUri ?? DEFAULT_STORE_URI;
        // MLflow 2's default store is the ./mlruns folder; say how to bring it over before starting anything.
        for (const uri of [backendStoreUri, opts.registryStoreUri]) {
          const hint = uri === undefined ? null : fileStoreHint(uri);
          if (hint) throw MlflowError.invalidParameterValue(hint);
        }
        await startServer({
          backendStoreUri,
          registryStoreUri: opts.registryStoreUri,
          defaultArtifactRoot: opts.defaultArtifactRoot,
          artifactsDestination: /^[a-z][a-z0-9+.-]+:/i.test(opts.artifactsDestination)
            ? opts.artifactsDestination
            : resolve(opts.artifactsDestination),
          serveArtifacts: process.env.MLFLOW_SERVE_ARTIFACTS === 'false' ? false : opts.serveArtifacts,
          host: opts.host,
          port: opts.port,
          workers: opts.workers,
          corsAllowedOrigins: opts.corsAllowedOrigins
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          allowedHosts: opts.allowedHosts === undefined ? undefined : commaList(opts.allowedHosts),
          xFrameOptions: opts.xFrameOptions,
          disableSecurityMiddleware:
            opts.disableSecurityMiddleware === true || envFlag('MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE'),
          bodyIdleTimeoutMs: opts.bodyIdleTimeout * 1000,
          appName: opts.appName,
          logLevel: opts.logLevel,
        });
      },
    );
}
