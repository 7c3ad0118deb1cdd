#!/usr/bin/env node
import { isMlflowError } from '@flowline/core';
import { CommanderError } from 'commander';
import { explainSystemError } from './errors.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { createProgram, VERSION } from './program.js';

// `--version` is handled here, not as a commander option: `flowline run --version <commit>` is MLflow's
// flag for the git version to run, and a global --version would swallow it.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(ExitCode.ok);
}
const program = createProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has printed its own message already.
  if (error instanceof CommanderError) process.exit(exitCodeFor(error));
  const json = process.argv.includes('--json');
  const base = isMlflowError(error)
    ? error.message
    : (explainSystemError(error)?.message ?? (error as Error)?.message ?? String(error));
  // A terse MLflow-compatible message ("Invalid path") carries its reason as the cause: show both. A message
  // that is already a sentence (ends in a full stop) has said what went wrong and what to do.
  const cause = (error as { cause?: unknown })?.cause;
  const terse = !/[.!?)]$/.test(base.trim());
  const message =
    terse && cause instanceof Error && !base.includes(cause.message) ? `${base}: ${cause.message}` : base;
  const code = isMlflowError(error) ? error.errorCode : 'ERROR';
  if (json) process.stderr.write(`${JSON.stringify({ error_code: code, message })}\n`);
  else process.stderr.write(`flowline: ${message}\n`);
  process.exit(exitCodeFor(error));
}
