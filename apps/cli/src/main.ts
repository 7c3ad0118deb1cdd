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
  // A terse MLflow-compatible message ("Invalid path") carries its reason as the cause: show both, unless
  // the message already names it (its text, or its error code such as ECONNREFUSED).
  const cause = (error as { cause?: unknown })?.cause;
  const codes = [cause, (cause as { cause?: unknown })?.cause].map((c) => (c as { code?: unknown })?.code);
  const told =
    cause instanceof Error &&
    (base.includes(cause.message) || codes.some((c) => typeof c === 'string' && base.includes(c)));
  const joined = /[.!?]$/.test(base)
    ? `${base} Cause: ${(cause as Error)?.message}`
    : `${base}: ${(cause as Error)?.message}`;
  const message = cause instanceof Error && !told ? joined : base;
  const code = isMlflowError(error) ? error.errorCode : 'ERROR';
  if (json) process.stderr.write(`${JSON.stringify({ error_code: code, message })}\n`);
  else process.stderr.write(`flowline: ${message}\n`);
  process.exit(exitCodeFor(error));
}
