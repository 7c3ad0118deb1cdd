import { readFile } from 'node:fs/promises';
import { MlflowError } from '@flowline/core';
import { isPermissionName, type PermissionName } from './permissions.js';

/** MLflow's one supported authorization function: HTTP basic auth against the auth database. */
export const BASIC_AUTH_FUNCTION = 'mlflow.server.auth:authenticate_request_basic_auth';

/** MLflow's shipped `basic_auth.ini`: what applies when `MLFLOW_AUTH_CONFIG_PATH` is not set. */
export const DEFAULT_AUTH_CONFIG_TEXT: string = `[mlflow]
default_permission = READ
database_uri = sqlite:///basic_auth.db
admin_username = admin
admin_password = password1234
authorization_function = ${BASIC_AUTH_FUNCTION}
`;

/** MLflow's default admin password, which a server should not keep. */
export const DEFAULT_ADMIN_PASSWORD = 'password1234';

/** The basic-auth app's settings, from MLflow's `basic_auth.ini` keys. */
export interface AuthConfig {
  /** What a user may do on a resource they hold no permission row for. */
  defaultPermission: PermissionName;
  /** The auth database (`sqlite:///basic_auth.db` by default, or `postgresql://…`). */
  databaseUri: string;
  /** The admin user created on first start. */
  adminUsername: string;
  adminPassword: string;
  /** Always MLflow's basic-auth function; others are refused when the config is read. */
  authorizationFunction: string;
  /** How long a verified username/password stays trusted in memory (`auth_cache_ttl_seconds`; 0 disables). */
  authCacheTtlSeconds: number;
  /** How many verified credentials are kept (`auth_cache_max_size`). */
  authCacheMaxSize: number;
  /** Where the settings came from, for messages. */
  source: string;
}

/** Flowline caches verified credentials by default (MLflow's newer releases make it opt-in). */
const DEFAULT_CACHE_TTL_SECONDS = 30;
const DEFAULT_CACHE_MAX_SIZE = 10_000;

/**
 * Parses INI text as Python's `configparser` reads MLflow's file: `[section]`s, `key = value` or
 * `key: value`, keys case-insensitive, `#`/`;` comment lines, indented continuation lines, and `%(key)s`
 * / `%%` interpolation within a section and `[DEFAULT]`.
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  let lastKey: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const section = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (section) {
      const name = section[1]!.trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = null;
      continue;
    }
    if (/^\s/.test(raw) && current && lastKey !== null) {
      current.set(lastKey, `${current.get(lastKey)}\n${raw.trim()}`);
      continue;
    }
    const pair = /^([^=:]+)[=:](.*)$/.exec(raw);
    if (!pair || !current) continue;
    lastKey = pair[1]!.trim().toLowerCase();
    current.set(lastKey, pair[2]!.trim());
  }
  const defaults = sections.get('DEFAULT') ?? new Map<string, string>();
  for (const [name, values] of sections) {
    if (name === 'DEFAULT') continue;
    for (const [key, value] of values) {
      values.set(
        key,
        value.replace(/%\(([^)]+)\)s|%%/g, (match, ref: string | undefined) =>
          ref === undefined
            ? '%'
            : (values.get(ref.toLowerCase()) ?? defaults.get(ref.toLowerCase()) ?? match),
        ),
      );
    }
  }
  return sections;
}

function nonNegativeInt(value: string | undefined, fallback: number, key: string, source: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw MlflowError.invalidParameterValue(
      `${key} in ${source} must be a whole number ≥ 0, got '${value}'.`,
    );
  return n;
}

/** Reads the `[mlflow]` section of a basic-auth config text; `source` names it in messages. */
export function authConfigFromText(text: string, source: string): AuthConfig {
  const section = parseIni(text).get('mlflow');
  if (!section)
    throw MlflowError.invalidParameterValue(
      `${source} has no [mlflow] section; start from MLflow's basic_auth.ini (default_permission, database_uri, admin_username, admin_password).`,
    );
  const need = (key: string): string => {
    const value = section.get(key);
    if (value === undefined)
      throw MlflowError.invalidParameterValue(`${source} lacks '${key}' in its [mlflow] section; add it.`);
    return value;
  };
  const defaultPermission = need('default_permission');
  if (!isPermissionName(defaultPermission))
    throw MlflowError.invalidParameterValue(
      `default_permission in ${source} must be READ, USE, EDIT, MANAGE or NO_PERMISSIONS, got '${defaultPermission}'.`,
    );
  const authorizationFunction = section.get('authorization_function') || BASIC_AUTH_FUNCTION;
  if (authorizationFunction !== BASIC_AUTH_FUNCTION)
    throw MlflowError.invalidParameterValue(
      `authorization_function '${authorizationFunction}' in ${source} is not supported: Flowline's basic-auth app ` +
        `implements MLflow's HTTP basic authentication only. Set it to ${BASIC_AUTH_FUNCTION} or remove the line.`,
    );
  return {
    defaultPermission,
    databaseUri: need('database_uri'),
    adminUsername: need('admin_username'),
    adminPassword: need('admin_password'),
    authorizationFunction,
    authCacheTtlSeconds: nonNegativeInt(
      section.get('auth_cache_ttl_seconds'),
      DEFAULT_CACHE_TTL_SECONDS,
      'auth_cache_ttl_seconds',
      source,
    ),
    authCacheMaxSize: nonNegativeInt(
      section.get('auth_cache_max_size'),
      DEFAULT_CACHE_MAX_SIZE,
      'auth_cache_max_size',
      source,
    ),
    source,
  };
}

/**
 * MLflow's auth configuration: the file at `MLFLOW_AUTH_CONFIG_PATH`, else the shipped defaults
 * (`READ`, `sqlite:///basic_auth.db`, `admin` / `password1234`).
 */
export async function readAuthConfig(env: NodeJS.ProcessEnv = process.env): Promise<AuthConfig> {
  const path = env.MLFLOW_AUTH_CONFIG_PATH;
  if (!path) return authConfigFromText(DEFAULT_AUTH_CONFIG_TEXT, "MLflow's default basic_auth.ini");
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw MlflowError.invalidParameterValue(
      `MLFLOW_AUTH_CONFIG_PATH points at ${path}, which cannot be read (${(cause as NodeJS.ErrnoException).code ?? cause}). Fix the path or unset it.`,
      { cause },
    );
  }
  return authConfigFromText(text, path);
}
