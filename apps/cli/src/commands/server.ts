import { resolve } from 'node:path';
import { MlflowError } from '@flowline/core';
import { DEFAULT_STORE_URI, fileStoreHint } from '@flowline/db';
import { startServer } from '@flowline/server';
import { type Command, Option } from 'commander';

const int = (name: string) => (value: string) => {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < 0 || String(n) !== value.trim())
    throw new Error(`${name} must be a whole number, got '${value}'`);
  return n;
};

/** `flowline server` (alias `ui`): MLflow's tracking server flags. */
export function registerServer(program: Command): void {
  program
    .command('server')
    .alias('ui')
    .description('Run the tracking server (MLflow REST API) on the given store.')
    .helpOption('--help', 'show help for this command')
    .addOption(
      new Option('--backend-store-uri <uri>', 'metadata store: sqlite:///file.db or postgresql://…')
        .env('MLFLOW_BACKEND_STORE_URI')
        .default(DEFAULT_STORE_URI),
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
        .argParser(int('port')),
    )
    .addOption(
      new Option('-w, --workers <n>', 'worker processes sharing the port')
        .env('MLFLOW_WORKERS')
        .default(1)
        .argParser(int('workers')),
    )
    .option(
      '--cors-allowed-origins <origins>',
      'comma-separated browser origins allowed to write besides the server itself',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(
      async (opts: {
        backendStoreUri: string;
        registryStoreUri?: string;
        defaultArtifactRoot?: string;
        artifactsDestination: string;
        serveArtifacts: boolean;
        host: string;
        port: number;
        workers: number;
        corsAllowedOrigins?: string;
        logLevel: string;
      }) => {
        // MLflow 2's default store is the ./mlruns folder; say how to bring it over before starting anything.
        for (const uri of [opts.backendStoreUri, opts.registryStoreUri]) {
          const hint = uri === undefined ? null : fileStoreHint(uri);
          if (hint) throw MlflowError.invalidParameterValue(hint);
        }
        await startServer({
          backendStoreUri: opts.backendStoreUri,
          registryStoreUri: opts.registryStoreUri,
          defaultArtifactRoot: opts.defaultArtifactRoot,
          artifactsDestination: /^[a-z][a-z0-9+.-]+:/i.test(opts.artifactsDestination)
            ? opts.artifactsDestination
            : resolve(opts.artifactsDestination),
          serveArtifacts: process.env.MLFLOW_SERVE_ARTIFACTS === 'false' ? false : opts.serveArtifacts,
          host: opts.host,
          port: opts.port,
          workers: Math.max(1, opts.workers),
          corsAllowedOrigins: opts.corsAllowedOrigins
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          logLevel: opts.logLevel,
        });
      },
    );
}
