import { access, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { MlflowError } from '@flowline/core';
import { parse } from 'yaml';

/** A parameter type of MLflow's MLproject format (plus `int`). */
export type ParameterType = 'string' | 'float' | 'int' | 'path' | 'uri';

/** One declared parameter. */
export interface ParameterSpec {
  name: string;
  type: ParameterType;
  /** The default, as written; absent means the parameter is required. */
  default?: string;
}

/** An entry point: its parameters and command template with `{param}` placeholders. */
export interface EntryPoint {
  name: string;
  parameters: ParameterSpec[];
  command: string;
}

/** The environment a project declares (MLflow's keys). */
export type EnvironmentSpec =
  | { kind: 'none' }
  | { kind: 'python_env'; file: string }
  | { kind: 'conda_env'; file: string }
  | { kind: 'docker_env'; image: string; volumes: string[]; environment: Array<string | [string, string]> };

/** A loaded project: its folder, name, entry points and environment. */
export interface ProjectSpec {
  dir: string;
  name: string;
  entryPoints: Map<string, EntryPoint>;
  environment: EnvironmentSpec;
  /** True when the folder has an `MLproject` file (otherwise files run directly). */
  hasMLproject: boolean;
}

const TYPES = new Set<ParameterType>(['string', 'float', 'int', 'path', 'uri']);

function invalid(message: string): MlflowError {
  return MlflowError.invalidParameterValue(`Invalid MLproject: ${message}`);
}

function parseParameter(name: string, raw: unknown): ParameterSpec {
  if (typeof raw === 'string') {
    if (!TYPES.has(raw as ParameterType))
      throw invalid(`parameter '${name}' has unknown type '${raw}' (use ${[...TYPES].join(', ')}).`);
    return { name, type: raw as ParameterType };
  }
  if (raw === null || typeof raw !== 'object')
    throw invalid(`parameter '${name}' must be a type name or {type, default}.`);
  const { type = 'string', default: def } = raw as { type?: unknown; default?: unknown };
  if (!TYPES.has(type as ParameterType))
    throw invalid(`parameter '${name}' has unknown type '${String(type)}' (use ${[...TYPES].join(', ')}).`);
  return {
    name,
    type: type as ParameterType,
    ...(def === undefined || def === null ? {} : { default: String(def) }),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Reads `MLproject` in a folder (MLflow's format); a folder without one is a project of runnable files. */
export async function loadProject(dir: string): Promise<ProjectSpec> {
  const file = (await exists(join(dir, 'MLproject')))
    ? join(dir, 'MLproject')
    : (await exists(join(dir, 'MLproject.yaml')))
      ? join(dir, 'MLproject.yaml')
      : null;
  if (!file)
    return {
      dir,
      name: dir.split('/').at(-1) ?? 'project',
      entryPoints: new Map(),
      environment: { kind: 'none' },
      hasMLproject: false,
    };
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw MlflowError.invalidParameterValue(`Could not read ${file} as YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (doc === null || typeof doc !== 'object') throw invalid('the file must be a YAML mapping.');
  const spec = doc as Record<string, unknown>;
  const entryPoints = new Map<string, EntryPoint>();
  for (const [name, raw] of Object.entries((spec.entry_points as Record<string, unknown>) ?? {})) {
    const ep = (raw ?? {}) as { parameters?: Record<string, unknown>; command?: unknown };
    if (typeof ep.command !== 'string' || ep.command.trim() === '')
      throw invalid(`entry point '${name}' needs a command.`);
    const parameters = Object.entries(ep.parameters ?? {}).map(([p, r]) => parseParameter(p, r));
    entryPoints.set(name, { name, parameters, command: ep.command });
  }
  const declared = ['python_env', 'conda_env', 'docker_env'].filter((k) => spec[k] !== undefined);
  if (declared.length > 1)
    throw invalid(`declare at most one of python_env, conda_env, docker_env (found ${declared.join(', ')}).`);
  let environment: EnvironmentSpec = { kind: 'none' };
  if (spec.python_env !== undefined)
    environment = { kind: 'python_env', file: join(dir, String(spec.python_env)) };
  if (spec.conda_env !== undefined)
    environment = { kind: 'conda_env', file: join(dir, String(spec.conda_env)) };
  if (spec.docker_env !== undefined) {
    const d = spec.docker_env as { image?: unknown; volumes?: unknown; environment?: unknown };
    if (typeof d?.image !== 'string') throw invalid('docker_env needs an image.');
    environment = {
      kind: 'docker_env',
      image: d.image,
      volumes: Array.isArray(d.volumes) ? d.volumes.map(String) : [],
      environment: Array.isArray(d.environment) ? (d.environment as Array<string | [string, string]>) : [],
    };
  }
  return {
    dir,
    name: typeof spec.name === 'string' ? spec.name : (dir.split('/').at(-1) ?? 'project'),
    entryPoints,
    environment,
    hasMLproject: true,
  };
}

/** File types that run directly when a project has no MLproject entry point of that name (MLflow runs .py and .sh). */
export const RUNNABLE_EXTENSIONS: Record<string, string> = {
  '.js': 'node',
  '.mjs': 'node',
  '.cjs': 'node',
  '.ts': 'tsx',
  '.mts': 'tsx',
  '.sh': 'bash',
  '.py': 'python3',
};

/** The entry point to run: a declared one, or a runnable file of the project taking `--key value` params. */
export async function resolveEntryPoint(project: ProjectSpec, name: string): Promise<EntryPoint> {
  const declared = project.entryPoints.get(name);
  if (declared) return declared;
  const interpreter = RUNNABLE_EXTENSIONS[extname(name)];
  if (
    interpreter &&
    !name.includes('..') &&
    !name.startsWith('/') &&
    (await exists(join(project.dir, name)))
  ) {
    return { name, parameters: [], command: `${interpreter} ${quote(name)}` };
  }
  const known = [...project.entryPoints.keys()];
  throw MlflowError.invalidParameterValue(
    `Could not find entry point '${name}' in ${project.dir}. ` +
      (known.length > 0 ? `Declared entry points: ${known.join(', ')}. ` : '') +
      `A file of the project ending in ${Object.keys(RUNNABLE_EXTENSIONS).join(', ')} can also be run by name.`,
  );
}

/** POSIX shell quoting: the value becomes one literal word, whatever it contains. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
