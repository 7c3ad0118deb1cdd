import { isMlflowError } from '@flowline/core';
import { CommanderError } from 'commander';
import { explainSystemError } from './errors.js';

/** What the `flowline` command's exit status means; every command exits with one of these. */
export const ExitCode = {
  ok: 0,
  /** Something unexpected went wrong (a bug or an environment problem); the message says what. */
  failure: 1,
  /** The command line or a value was wrong (MLflow's INVALID_PARAMETER_VALUE / BAD_REQUEST). */
  usage: 2,
  /** The experiment, run or other resource does not exist. */
  notFound: 3,
  /** The resource already exists (e.g. an experiment name is taken). */
  conflict: 4,
  /** The tracking server or database could not be reached. */
  unavailable: 5,
  /** Data the command read is corrupt (MLflow's DATA_LOSS), e.g. a file store's meta.yaml that is not YAML. */
  corruptData: 6,
  /** A model's conversation no longer fits its context (`flowline chat` without --drop-oldest). */
  contextFull: 7,
  /** Stopped by Ctrl-C or SIGTERM (a `flowline run` that ended KILLED); 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

/** `flowline run`'s exit status for the run's final status (FAILED is a failure, KILLED an interruption). */
export const RUN_EXIT_CODES: Record<string, number> = {
  FINISHED: ExitCode.ok,
  FAILED: ExitCode.failure,
  KILLED: ExitCode.interrupted,
};

/** The exit status for an error: commander's usage errors, MLflow error codes, unreachable stores. */
export function exitCodeFor(error: unknown): number {
  // Help and version are successes; anything else commander reports is a usage error.
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (!isMlflowError(error)) return explainSystemError(error)?.exitCode ?? ExitCode.failure;
  switch (error.errorCode) {
    case 'INVALID_PARAMETER_VALUE':
    case 'BAD_REQUEST':
    case 'MALFORMED_REQUEST':
      return ExitCode.usage;
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'NOT_FOUND':
    case 'ENDPOINT_NOT_FOUND':
      return ExitCode.notFound;
    case 'RESOURCE_ALREADY_EXISTS':
    case 'ALREADY_EXISTS':
    case 'RESOURCE_CONFLICT':
      return ExitCode.conflict;
    case 'TEMPORARILY_UNAVAILABLE':
      return ExitCode.unavailable;
    case 'DATA_LOSS':
      return ExitCode.corruptData;
    default:
      return ExitCode.failure;
  }
}
