import { Command } from 'commander';
import { registerArtifacts } from './commands/artifacts.js';
import { registerChat } from './commands/chat.js';
import { registerDb } from './commands/db.js';
import { registerDeploy } from './commands/deploy.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerExperiments } from './commands/experiments.js';
import { registerGenerate } from './commands/generate.js';
import { registerModels } from './commands/models.js';
import { registerPrompts } from './commands/prompts.js';
import { registerRegistry } from './commands/registry.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerServer } from './commands/server.js';

export { VERSION } from './version.js';

/** The `flowline` command tree. */
export function createProgram(): Command {
  const program = new Command('flowline')
    .description('Flowline: an MLflow-compatible tracking server and tools for Node.js.')
    .option(
      '--tracking-uri <uri>',
      'server (http://…) or store (sqlite:///…, postgresql://…); default $MLFLOW_TRACKING_URI or sqlite:///mlflow.db',
    )
    .option('--json', 'print machine-readable JSON instead of tables', false)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\n`flowline --version` prints the version. Each command has --help.')
    .exitOverride();
  registerServer(program);
  registerDeploy(program);
  registerExperiments(program);
  registerRuns(program);
  registerArtifacts(program);
  registerRun(program);
  registerRegistry(program);
  registerModels(program);
  registerPrompts(program);
  registerEvaluate(program);
  registerGenerate(program);
  registerChat(program);
  registerDb(program);
  return program;
}
