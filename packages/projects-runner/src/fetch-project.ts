import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MlflowError } from '@flowline/core';

const run = promisify(execFile);

/** A project ready to run: its folder, where it came from, and how to clean up a temporary checkout. */
export interface FetchedProject {
  dir: string;
  /** `mlflow.source.name`: the URI as given (without the version). */
  sourceName: string;
  gitCommit?: string;
  gitRepoUrl?: string;
  gitBranch?: string;
  cleanup(): Promise<void>;
}

/** True for URIs that name a git repository rather than a folder. */
export function isGitUri(uri: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(uri) || /^[\w.-]+@[\w.-]+:/.test(uri);
}

async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (cause) {
    const detail = ((cause as { stderr?: string }).stderr ?? (cause as Error).message)
      .trim()
      .split('\n')
      .slice(-2)
      .join(' ');
    const subcommand = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? 'command';
    throw MlflowError.invalidParameterValue(`git ${subcommand} failed: ${detail}`, { cause });
  }
}

async function gitInfo(dir: string): Promise<{ commit?: string; repoUrl?: string; branch?: string }> {
  try {
    const commit = await git(['rev-parse', 'HEAD'], dir);
    const repoUrl = await git(['config', '--get', 'remote.origin.url'], dir).catch(() => undefined);
    const branch = await git(['rev-parse', '--abbrev-ref', 'HEAD'], dir).catch(() => undefined);
    return { commit, repoUrl, branch: branch === 'HEAD' ? undefined : branch };
  } catch {
    return {};
  }
}

/**
 * Gets a project from a URI: a local folder (run in place), or a git repository (local path with
 * `--version`, or a remote URL) cloned with the system `git` into a temporary folder and checked out at
 * `version` (commit, branch or tag). `#subdirectory` picks a folder inside the repository.
 */
export async function fetchProject(
  uri: string,
  options: { version?: string; cwd?: string } = {},
): Promise<FetchedProject> {
  const [base, subdirectory = ''] = uri.split('#', 2) as [string, string?];
  if (subdirectory.split('/').includes('..') || isAbsolute(subdirectory)) {
    throw MlflowError.invalidParameterValue(
      `Invalid subdirectory '${subdirectory}' in '${uri}': it must stay inside the repository.`,
    );
  }
  const localPath = isGitUri(base!) ? null : resolve(options.cwd ?? process.cwd(), base!);
  if (localPath && !options.version) {
    const dir = join(localPath, subdirectory);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) {
      throw MlflowError.invalidParameterValue(
        `Project folder not found: ${dir}. Give a folder, a git URL, or a path with --version.`,
      );
    }
    const info = await gitInfo(dir);
    return {
      dir,
      sourceName: uri,
      gitCommit: info.commit,
      gitRepoUrl: info.repoUrl,
      gitBranch: info.branch,
      cleanup: async () => {},
    };
  }
  const checkout = await mkdtemp(join(tmpdir(), 'flowline-project-'));
  const cleanup = () => rm(checkout, { recursive: true, force: true });
  try {
    const source = localPath ?? base!;
    await git(['clone', '--quiet', source, checkout]);
    if (options.version)
      await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', options.version], checkout);
    const dir = join(checkout, subdirectory);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) {
      throw MlflowError.invalidParameterValue(
        `Subdirectory '${subdirectory}' does not exist in ${source}${options.version ? ` at ${options.version}` : ''}.`,
      );
    }
    const commit = await git(['rev-parse', 'HEAD'], checkout);
    return {
      dir,
      sourceName: uri,
      gitCommit: commit,
      gitRepoUrl: source,
      gitBranch: options.version,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
