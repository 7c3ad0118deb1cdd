import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowError } from '@flowline/core';
import { type EntryPoint, quote } from './project-spec.js';

/** An entry point's command with parameters checked, typed and quoted, and the values to log as params. */
export interface ResolvedCommand {
  command: string;
  /** Every parameter value used (declared and extra), as logged to the run. */
  params: Record<string, string>;
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;
const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

function check(name: string, type: string, value: string, cwd: string): string {
  switch (type) {
    case 'float':
      if (!FLOAT.test(value.trim())) throw badType(name, type, value);
      return value.trim();
    case 'int':
      if (!INT.test(value.trim())) throw badType(name, type, value);
      return value.trim();
    case 'path': {
      if (value.startsWith('file:')) return fileURLToPath(value);
      if (URI.test(value) && !/^[a-zA-Z]:[\\/]/.test(value)) {
        throw MlflowError.invalidParameterValue(
          `Parameter '${name}' is a path, but '${value}' is a URI; download it first, or declare the parameter as type uri.`,
        );
      }
      return isAbsolute(value) ? value : resolve(cwd, value);
    }
    case 'uri':
      return URI.test(value) || isAbsolute(value) ? value : resolve(cwd, value);
    default:
      return value;
  }
}

function badType(name: string, type: string, value: string): MlflowError {
  return MlflowError.invalidParameterValue(
    `Parameter '${name}' must be of type ${type}; got ${JSON.stringify(value)}.`,
  );
}

/**
 * Fills an entry point's command as MLflow does: declared parameters replace `{name}` (given value, else
 * the default; a missing required one is an error), undeclared ones are appended as `--key value`.
 * Every value is type-checked and shell-quoted, so no value can inject a command.
 */
export function resolveCommand(
  entry: EntryPoint,
  given: Record<string, string>,
  cwd: string = process.cwd(),
): ResolvedCommand {
  const params: Record<string, string> = {};
  const missing: string[] = [];
  for (const p of entry.parameters) {
    const raw = given[p.name] ?? p.default;
    if (raw === undefined) {
      missing.push(p.name);
      continue;
    }
    params[p.name] = check(p.name, p.type, raw, cwd);
  }
  if (missing.length > 0) {
    throw MlflowError.invalidParameterValue(
      `No value given for required parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} of entry point '${entry.name}'. ` +
        `Pass ${missing.map((m) => `-P ${m}=…`).join(' ')}.`,
    );
  }
  const declared = new Set(entry.parameters.map((p) => p.name));
  const extras: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (declared.has(key)) continue;
    if (!/^[\w.-]+$/.test(key))
      throw MlflowError.invalidParameterValue(
        `Invalid parameter name ${JSON.stringify(key)}: use letters, digits, '_', '-' and '.'.`,
      );
    params[key] = value;
    extras.push(`--${key} ${quote(value)}`);
  }
  const command = entry.command.replace(/\{([\w.-]+)\}/g, (whole, name: string) =>
    name in params && declared.has(name) ? quote(params[name]!) : whole,
  );
  const unfilled = /\{([\w.-]+)\}/.exec(command);
  if (unfilled && !declared.has(unfilled[1]!)) {
    throw MlflowError.invalidParameterValue(
      `The command of entry point '${entry.name}' uses {${unfilled[1]}}, which is not a declared parameter. Declare it under parameters in MLproject.`,
    );
  }
  return { command: [command, ...extras].join(' '), params };
}
