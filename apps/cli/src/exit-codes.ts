import { isMlflowError } from '@flowline/core';

/** What the `flowline` command's exit status means. */
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
} as const;

/** The exit status for an error. */
export function exitCodeFor(error: unknown): number {
  if (!isMlflowError(error)) {
    const code = (error as { code?: string } | null)?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'SQLITE_CANTOPEN')
      return ExitCode.unavailable;
    return ExitCode.failure;
  }
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
