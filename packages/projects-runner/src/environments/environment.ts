import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MlflowError } from '@flowline/core';
import { parse } from 'yaml';
import type { ProjectSpec } from '../project-spec.js';
import { runQuiet } from './run-quiet.js';

/** How a project's environment is made: MLflow's `--env-manager`, plus `node` for Node projects. */
export type EnvManager = 'local' | 'node' | 'virtualenv';

/** What the child process gets from its environment: extra variables and folders prepended to PATH. */
export interface PreparedEnvironment {
  manager: EnvManager;
  env: Record<string, string>;
  path: string[];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The cache folder for prepared environments (`FLOWLINE_ENV_CACHE`, else `~/.cache/flowline/envs`). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLOWLINE_ENV_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'flowline', 'envs');
}

const LOCKFILES: Array<[string, string[]]> = [
  ['package-lock.json', ['npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund']],
  ['npm-shrinkwrap.json', ['npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund']],
];

/** The env manager to use: the one asked for, else what the project declares, else `node` for a locked Node project, else `local`. */
export async function chooseEnvManager(project: ProjectSpec, requested?: string): Promise<EnvManager> {
  const env = project.environment;
  if (requested !== undefined) {
    if (requested !== 'local' && requested !== 'node' && requested !== 'virtualenv') {
      throw MlflowError.invalidParameterValue(
        `Unknown --env-manager '${requested}': use local, node or virtualenv.`,
      );
    }
    if (requested !== 'local' && env.kind === 'conda_env') {
      throw MlflowError.invalidParameterValue(
        'This project declares conda_env, and conda is not available here. Run it with --env-manager local to use the machine as it is.',
      );
    }
    return requested;
  }
  if (env.kind === 'python_env') return 'virtualenv';
  if (env.kind === 'conda_env') {
    throw MlflowError.invalidParameterValue(
      'This project declares conda_env; Flowline does not create conda environments. Run with --env-manager local (the machine as it is) or convert it to python_env and use --env-manager virtualenv.',
    );
  }
  if (env.kind === 'docker_env') {
    throw MlflowError.invalidParameterValue(
      `This project declares docker_env (${env.image}); run it with --backend kubernetes, or with --env-manager local to ignore the image.`,
    );
  }
  for (const [lock] of LOCKFILES) if (await exists(join(project.dir, lock))) return 'node';
  return 'local';
}

/** A folder with a `tsx` command, so MLproject commands and `.ts` entry files run TypeScript directly. */
async function toolShims(): Promise<string> {
  const dir = join(tmpdir(), `flowline-shims-${process.getuid?.() ?? 'user'}`);
  const tsxCli = join(createRequire(import.meta.url).resolve('tsx/package.json'), '..', 'dist', 'cli.mjs');
  const shim = join(dir, 'tsx');
  const body = `#!/bin/sh\nexec "${process.execPath}" "${tsxCli}" "$@"\n`;
  if ((await readFile(shim, 'utf8').catch(() => '')) !== body) {
    await mkdir(dir, { recursive: true });
    await writeFile(shim, body);
    await chmod(shim, 0o755);
  }
  return dir;
}

async function nodeEnvironment(
  project: ProjectSpec,
  log: (line: string) => void,
): Promise<PreparedEnvironment> {
  const found = [];
  for (const [lock, command] of LOCKFILES)
    if (await exists(join(project.dir, lock))) found.push({ lock, command });
  const chosen = found[0];
  if (!chosen) {
    throw MlflowError.invalidParameterValue(
      `--env-manager node needs a lockfile (${LOCKFILES.map(([l]) => l).join(' or ')}) in ${project.dir}.`,
    );
  }
  const lockText = await readFile(join(project.dir, chosen.lock));
  const pkgText = await readFile(join(project.dir, 'package.json'));
  const hash = createHash('sha256').update(lockText).update(pkgText).digest('hex').slice(0, 24);
  const envDir = join(cacheRoot(), 'node', hash);
  const ready = join(envDir, '.flowline-ready');
  if (await exists(ready)) {
    log(`Reusing Node environment ${envDir}`);
  } else {
    log(`Installing dependencies from ${chosen.lock} into ${envDir}`);
    await mkdir(envDir, { recursive: true });
    await writeFile(join(envDir, 'package.json'), pkgText);
    await writeFile(join(envDir, chosen.lock), lockText);
    await runQuiet(chosen.command[0]!, chosen.command.slice(1), envDir);
    await writeFile(ready, new Date().toISOString());
  }
  const modules = join(project.dir, 'node_modules');
  // The project resolves packages from node_modules beside it; link the cached one in unless it has its own.
  if (!(await exists(modules))) await symlink(join(envDir, 'node_modules'), modules, 'dir');
  return { manager: 'node', env: {}, path: [join(envDir, 'node_modules', '.bin')] };
}

async function virtualenv(project: ProjectSpec, log: (line: string) => void): Promise<PreparedEnvironment> {
  const file = project.environment.kind === 'python_env' ? project.environment.file : null;
  const spec = file
    ? ((parse(await readFile(file, 'utf8')) ?? {}) as {
        python?: string;
        build_dependencies?: string[];
        dependencies?: string[];
      })
    : {};
  const deps = [...(spec.build_dependencies ?? []), ...(spec.dependencies ?? [])].map(String);
  const hash = createHash('sha256')
    .update(JSON.stringify({ python: spec.python ?? '', deps }))
    .digest('hex')
    .slice(0, 24);
  const envDir = join(cacheRoot(), 'python', hash);
  const bin = join(envDir, 'bin');
  if (await exists(join(envDir, '.flowline-ready'))) {
    log(`Reusing Python environment ${envDir}`);
  } else {
    log(`Creating Python virtual environment ${envDir}`);
    try {
      await runQuiet('python3', ['-m', 'venv', envDir], project.dir);
    } catch (cause) {
      throw MlflowError.invalidParameterValue(
        'Could not create a Python virtual environment (python3 -m venv failed). Install python3 with venv, or run with --env-manager local.',
        { cause },
      );
    }
    if (deps.length > 0)
      await runQuiet(join(bin, 'pip'), ['install', '--disable-pip-version-check', ...deps], project.dir);
    await writeFile(join(envDir, '.flowline-ready'), new Date().toISOString());
  }
  return { manager: 'virtualenv', env: { VIRTUAL_ENV: envDir }, path: [bin] };
}

/** Prepares the environment and returns what the child process needs. */
export async function prepareEnvironment(
  project: ProjectSpec,
  manager: EnvManager,
  log: (line: string) => void = () => {},
): Promise<PreparedEnvironment> {
  const shims = await toolShims();
  const prepared =
    manager === 'node'
      ? await nodeEnvironment(project, log)
      : manager === 'virtualenv'
        ? await virtualenv(project, log)
        : { manager, env: {}, path: [] };
  return { ...prepared, path: [...prepared.path, shims] };
}

/** The child's PATH: the environment's folders first. */
export function pathWith(prepared: PreparedEnvironment, current: string | undefined): string {
  return [...prepared.path, current ?? ''].filter(Boolean).join(delimiter);
}
