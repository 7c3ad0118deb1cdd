import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, MlflowError } from '@flowline/core';
import { type MetaValue, parseMetaYaml } from './meta-yaml.js';

// Reading MLflow's file store (mlflow/store/tracking/file_store.py, mlflow/store/model_registry/file_store.py):
// every entity is a folder with a meta.yaml, and each param, tag, metric or alias is one file named by its
// key (a key with `/` is a sub-folder path).

/** A meta.yaml mapping. */
export type Meta = { [key: string]: MetaValue };

/** DATA_LOSS for a file store entry that cannot be read: which file, what is wrong, what to do. */
export function corrupt(path: string, problem: string, cause?: unknown): MlflowError {
  return new MlflowError(
    ErrorCode.DATA_LOSS,
    `Cannot import ${path}: ${problem}. Fix or remove it and run the import again; nothing was imported.`,
    { cause },
  );
}

async function entries(dir: string): Promise<Array<{ name: string; dir: boolean }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT' || (error as { code?: string }).code === 'ENOTDIR')
      return [];
    throw corrupt(dir, 'the folder cannot be read', error);
  }
  const out = await Promise.all(
    // stat (not the dirent) so symbolic links count as what they point to.
    names.map(async (name) => ({
      name,
      dir: (await stat(join(dir, name)).catch(() => null))?.isDirectory(),
    })),
  );
  return out
    .filter((e): e is { name: string; dir: boolean } => e.dir !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Names of the folders in `dir`, sorted; none when it does not exist. */
export async function listFolders(dir: string): Promise<string[]> {
  return (await entries(dir)).filter((e) => e.dir).map((e) => e.name);
}

/** Parses `<dir>/meta.yaml` as a mapping; null when there is no such file. */
export async function readMeta(dir: string): Promise<Meta | null> {
  const path = join(dir, 'meta.yaml');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw corrupt(path, 'the file cannot be read', error);
  }
  let value: MetaValue;
  try {
    value = parseMetaYaml(text);
  } catch (error) {
    throw corrupt(path, `it is not valid YAML (${(error as Error).message})`, error);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw corrupt(path, 'it does not hold a YAML mapping');
  return value;
}

/**
 * Every file under `dir` (recursively), keyed by its path relative to `dir` with `/` between folders, as
 * MLflow names params, tags and metrics whose keys contain `/`; values are the files' text. Sorted by key.
 */
export async function readKeyFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await entries(folder)) {
      const path = join(folder, entry.name);
      if (entry.dir) await walk(path, `${prefix}${entry.name}/`);
      else {
        try {
          out.set(`${prefix}${entry.name}`, await readFile(path, 'utf8'));
        } catch (error) {
          throw corrupt(path, 'the file cannot be read', error);
        }
      }
    }
  };
  await walk(dir, '');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The fields of one meta.yaml, read with the types MLflow writes and errors that name the file. */
export class MetaFields {
  constructor(
    readonly meta: Meta,
    readonly path: string,
  ) {}

  /** A text field; numbers and booleans (as an older writer may have left them) become their text. */
  string(key: string): string | null {
    const value = this.meta[key];
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
      return String(value);
    throw corrupt(this.path, `'${key}' should be text, not ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
  }

  /** A whole number (timestamps, versions); MLflow writes them as YAML ints. */
  int(key: string): number | null {
    const value = this.meta[key];
    if (value === null || value === undefined) return null;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim()) && Number.isSafeInteger(Number(value)))
      return Number(value);
    throw corrupt(this.path, `'${key}' should be a whole number, got ${JSON.stringify(String(value))}`);
  }

  /** A mapping of text to text (the tags of a run input). */
  stringMap(key: string): Map<string, string> {
    const value = this.meta[key];
    if (value === null || value === undefined) return new Map();
    if (typeof value !== 'object' || Array.isArray(value) || typeof value === 'bigint')
      throw corrupt(this.path, `'${key}' should be a mapping`);
    return new Map(Object.entries(value).map(([k, v]) => [k, v === null ? '' : String(v)]));
  }
}

/** A UUID-shaped id derived from `text`, so that importing the same folder twice writes the same ids. */
export function stableUuid(text: string): string {
  const hex = createHash('md5').update(`flowline-filestore-import:${text}`).digest('hex');
  // Shaped as a name-based (version 3) UUID.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
