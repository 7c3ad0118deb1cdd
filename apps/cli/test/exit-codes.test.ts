import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { explainSystemError } from '../src/errors.js';
import { ExitCode, exitCodeFor } from '../src/exit-codes.js';
import { createProgram } from '../src/program.js';
import { runCli } from './helpers.js';

/** A program that prints nothing, so the test output stays readable. */
function quietProgram(): Command {
  const program = createProgram();
  const silence = (command: Command) => {
    command.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    for (const sub of command.commands) silence(sub);
  };
  silence(program);
  return program;
}

/** The exit status `flowline args…` ends with, parsed in this process (no action gets to do any work). */
async function statusOf(args: string[]): Promise<number> {
  try {
    await quietProgram().parseAsync(args, { from: 'user' });
  } catch (error) {
    return exitCodeFor(error);
  }
  return ExitCode.ok;
}

/** Every command that runs something (the leaves of the tree), as its words: ['experiments', 'create'], … */
function leafCommands(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((sub) => leafCommands(sub, [...path, sub.name()]));
}

describe('exit codes', () => {
  const leaves = leafCommands(createProgram());

  it('finds every command of the tree', () => {
    expect(leaves).toContainEqual(['server']);
    expect(leaves).toContainEqual(['models', 'serve']);
    expect(leaves).toContainEqual(['db', 'import-filestore']);
    expect(leaves.length).toBeGreaterThan(25);
  });

  it.each(leaves.map((words) => [words.join(' '), words]))(
    '%s exits with the usage code for an unknown option, and 0 for --help',
    async (_name, words) => {
      expect(await statusOf([...(words as string[]), '--no-such-option'])).toBe(ExitCode.usage);
      expect(await statusOf([...(words as string[]), '--help'])).toBe(ExitCode.ok);
    },
  );

  it.each([
    ['server', '--port', 'abc'],
    ['server', '--port', '70000'],
    ['server', '--workers', '0'],
    ['server', '--workers', 'two'],
    ['server', '--x-frame-options', 'maybe'],
    ['server', '--body-idle-timeout', '-1'],
    ['server', '--app-name', 'nope'],
    ['server', '--log-level', 'loud'],
    ['models', 'serve', '-m', 'x', '--workers', 'abc'],
    ['models', 'serve', '-m', 'x', '--port', 'abc'],
    ['models', 'serve'],
    ['models', 'predict', '-m', 'x', '-t', 'xml'],
    ['experiments', 'create'],
    ['experiments', 'search', '--view', 'some'],
    ['runs', 'list', '--experiment-id', '1', '--max-results', 'abc'],
    ['runs', 'describe'],
    ['run', '.', '-P', 'novalue'],
    ['run', '.', '--backend', 'mars'],
    ['run'],
    ['generate', '-m', 'x', '-p', 'hi', '--max-length', 'abc'],
    ['generate', '-m', 'x', '-p', 'hi', '--system', 's', '--no-chat-template'],
    ['chat', '-m', 'x', '--top-p', '2'],
    ['artifacts', 'download'],
    ['artifacts', 'list'],
    ['db', 'import-filestore', './mlruns'],
    ['registered-models', 'create'],
    ['model-versions', 'describe', '-n', 'm'],
    ['no-such-command'],
  ])('flowline %s … exits with the usage code', async (...args) => {
    expect(await statusOf(args)).toBe(ExitCode.usage);
  });

  it('is the same through the built command: server --port abc and models serve --workers abc exit 2', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'flowline-exit-'));
    const port = await runCli(['server', '--port', 'abc'], { cwd, env: {} });
    expect(port.code).toBe(ExitCode.usage);
    expect(port.stderr).toMatch(/--port must be a whole number/);
    const workers = await runCli(['models', 'serve', '-m', 'x', '--workers', 'abc'], { cwd, env: {} });
    expect(workers.code).toBe(ExitCode.usage);
    expect(workers.stderr).toMatch(/workers must be a positive whole number/);
  });
});

describe('raw Node and driver errors', () => {
  it('say what was wrong and what to do, with the exit status of the table', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'flowline-errors-'));
    const env = { MLFLOW_TRACKING_URI: `sqlite:///${join(cwd, 't.db')}` };
    const missing = await runCli(['artifacts', 'log-artifact', '-l', 'nofile', '--run-id', 'r'], {
      cwd,
      env,
    });
    expect(missing.code).toBe(ExitCode.notFound);
    expect(missing.stderr).toBe(
      `flowline: No such file or folder: nofile (relative paths start at ${cwd}).\n`,
    );
    const folder = await runCli(['db', 'upgrade', `sqlite:///${join(cwd, 'no', 'such', 'x.db')}`], {
      cwd,
      env,
    });
    expect(folder.code).toBe(ExitCode.unavailable);
    expect(folder.stderr).toMatch(/SQLite database's folder does not exist: create it first/);
  });

  it('names the address a connection was refused at', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 1,
    });
    expect(explainSystemError(refused)?.message).toMatch(
      /^Cannot connect to 127\.0\.0\.1:1 \(connection refused\)/,
    );
    expect(exitCodeFor(refused)).toBe(ExitCode.unavailable);
    expect(explainSystemError(new Error('something else'))).toBeNull();
    expect(exitCodeFor(new Error('something else'))).toBe(ExitCode.failure);
  });
});
