import { ExitCode } from './exit-codes.js';

/** The fields Node's system errors and the database drivers put on their errors. */
interface SystemError {
  code?: string;
  name?: string;
  message?: string;
  path?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** What a raw Node or driver error means for a user: a sentence saying what to do, and the exit status. */
interface Explained {
  message: string;
  exitCode: number;
}

const where = (e: SystemError) => [e.address ?? e.hostname, e.port].filter(Boolean).join(':');

/** By Node's error code. */
const BY_CODE: Record<string, (e: SystemError) => Explained | null> = {
  ENOENT: (e) =>
    e.path
      ? {
          message: `No such file or folder: ${e.path} (relative paths start at ${process.cwd()}).`,
          exitCode: ExitCode.notFound,
        }
      : null,
  EISDIR: (e) => ({
    message: `${e.path ?? 'The path'} is a folder, where a file was expected.`,
    exitCode: ExitCode.usage,
  }),
  ENOTDIR: (e) => ({
    message: `${e.path ?? 'The path'} is a file, where a folder was expected.`,
    exitCode: ExitCode.usage,
  }),
  EACCES: (e) => ({
    message: `Permission denied on ${e.path ?? where(e)}: run as a user who may use it, or pick another path.`,
    exitCode: ExitCode.failure,
  }),
  EADDRINUSE: (e) => ({
    message: `Something already listens on ${where(e)}: stop it, or pick another --port (0 picks a free one).`,
    exitCode: ExitCode.unavailable,
  }),
  ECONNREFUSED: (e) => ({
    message: `Cannot connect to ${where(e)} (connection refused): is the database or server running there, and is the URI right?`,
    exitCode: ExitCode.unavailable,
  }),
  ENOTFOUND: (e) => ({
    message: `Cannot resolve the host ${e.hostname ?? where(e)}: check the name in the URI.`,
    exitCode: ExitCode.unavailable,
  }),
  SQLITE_CANTOPEN: () => ({
    message:
      'Cannot open the SQLite database file: check the sqlite:/// path and that its folder is writable.',
    exitCode: ExitCode.unavailable,
  }),
};

/**
 * A raw Node or driver error (ENOENT, ECONNREFUSED, …) as a message that says what was wrong and what to do,
 * or null for any other error.
 */
export function explainSystemError(error: unknown): Explained | null {
  const e = (error ?? {}) as SystemError;
  const byCode = e.code ? BY_CODE[e.code]?.(e) : null;
  if (byCode) return byCode;
  // better-sqlite3 throws a plain TypeError, without a code, for a file whose folder is missing.
  if (e.message?.includes('Cannot open database because the directory does not exist'))
    return {
      message:
        "The SQLite database's folder does not exist: create it first (a sqlite:/// URI creates the file, not its folders).",
      exitCode: ExitCode.unavailable,
    };
  if (e.name === 'CredentialsProviderError')
    return {
      message:
        'No AWS credentials for S3: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and ' +
        'MLFLOW_S3_ENDPOINT_URL for an S3-compatible endpoint.',
      exitCode: ExitCode.failure,
    };
  return null;
}
