import { authHeadersFromEnv, MlflowError } from '@flowline/core';
import { type Command, Option } from 'commander';
import { ExitCode, RUN_EXIT_CODES } from '../exit-codes.js';
import { createOutput } from '../output.js';
import { openTracking } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw MlflowError.invalidParameterValue(`Parameters are -P key=value; got '${value}'.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** `flowline run`: MLflow's `mlflow run` for MLproject folders, git repositories and runnable files. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Run an MLflow project (a folder, a git URI with #subdirectory, or a runnable file) as a tracked run.',
    )
    .argument('<uri>', 'project folder or git URI (e.g. https://host/repo.git#examples/train)')
    .option(
      '-e, --entry-point <name>',
      'entry point to run, or a .js/.ts/.sh/.py file of the project',
      'main',
    )
    .option(
      '-P, --param-list <key=value>',
      'a parameter; repeat for more',
      collectParam,
      {} as Record<string, string>,
    )
    .option('--experiment-name <name>', 'experiment to record the run in (created if missing)')
    .option('--experiment-id <id>', 'experiment id to record the run in')
    .option('--run-name <name>', 'name of the run')
    .option('-v, --version <version>', 'git commit, branch or tag to run')
    .addOption(
      new Option(
        '--env-manager <manager>',
        'how to prepare the environment (default: from the project)',
      ).choices(['local', 'node', 'virtualenv']),
    )
    .addOption(
      new Option('-b, --backend <backend>', 'where to run').choices(['local', 'kubernetes']).default('local'),
    )
    .option(
      '-c, --backend-config <file>',
      'backend settings as a JSON file (kubernetes: repository-uri, kube-job-template-path, kube-context)',
    )
    .option(
      '--build-image',
      'build and push the project image first (kubernetes backend; needs Docker)',
      false,
    )
    .action(
      async (
        uri: string,
        opts: {
          entryPoint: string;
          paramList: Record<string, string>;
          experimentName?: string;
          experimentId?: string;
          runName?: string;
          version?: string;
          envManager?: string;
          backend: 'local' | 'kubernetes';
          backendConfig?: string;
          buildImage: boolean;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const { uri: tracking, store } = await openTracking(g);
        try {
          const [{ openArtifactRepository }, { runProject }] = await Promise.all([
            import('@flowline/client'),
            import('@flowline/projects-runner'),
          ]);
          const run = await runProject({
            uri,
            entryPoint: opts.entryPoint,
            parameters: opts.paramList,
            version: opts.version,
            experimentName: opts.experimentName,
            experimentId: opts.experimentId,
            runName: opts.runName,
            envManager: opts.envManager,
            backend: opts.backend,
            backendConfig: opts.backendConfig,
            buildImage: opts.buildImage,
            store,
            trackingUri: tracking,
            openArtifacts: (artifactUri) =>
              openArtifactRepository(artifactUri, {
                store,
                trackingUri: tracking,
                headers: authHeadersFromEnv(),
              }),
            // With --json, stdout carries only the result; the run's own output goes to stderr.
            stdout: g.json ? process.stderr : process.stdout,
          });
          const onSignal = () => {
            process.stderr.write('\nStopping the run…\n');
            void run.cancel();
          };
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          const status = await run.wait();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          createOutput(g.json).result(
            { run_id: run.runId, experiment_id: run.experimentId, status },
            () => `Run ${run.runId}: ${status}`,
          );
          process.exitCode = RUN_EXIT_CODES[status] ?? ExitCode.failure;
        } finally {
          await store.close();
        }
      },
    );
}
