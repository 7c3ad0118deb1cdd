import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The URI Flowline suggests importing a file store into. */
export const IMPORT_TARGET_HINT = 'sqlite:///flowline.db';

/**
 * The local folder a URI names when it is a path or a `file:` URI (how MLflow names its file store:
 * `./mlruns`, `/data/mlruns`, `file:///data/mlruns`), else null (`sqlite:`, `http:` and other schemes).
 */
export function localFolderOf(uri: string, cwd: string = process.cwd()): string | null {
  if (/^file:/i.test(uri)) {
    try {
      return /^file:\/\//i.test(uri) ? fileURLToPath(uri) : resolve(cwd, decodeURIComponent(uri.slice(5)));
    } catch {
      return null;
    }
  }
  // Any other scheme is not a folder; a Windows drive letter (`C:\mlruns`) is.
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) return null;
  return uri.trim() === '' ? null : resolve(cwd, uri);
}

const isDir = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * True when `dir` holds MLflow file-store data: a `.trash` folder, experiment folders (`0/meta.yaml`, any
 * numbered folder with a meta.yaml) or registered models (`models/<name>/meta.yaml`), as MLflow writes them.
 */
export function isFileStoreFolder(dir: string): boolean {
  if (!isDir(dir)) return false;
  if (isDir(join(dir, '.trash')) || existsSync(join(dir, '0', 'meta.yaml'))) return true;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  if (names.some((n) => /^\d+$/.test(n) && existsSync(join(dir, n, 'meta.yaml')))) return true;
  if (!isDir(join(dir, 'models'))) return false;
  try {
    return readdirSync(join(dir, 'models')).some((n) => existsSync(join(dir, 'models', n, 'meta.yaml')));
  } catch {
    return false;
  }
}

/**
 * What to tell someone whose store URI names an MLflow file store (which Flowline does not read): import
 * it once, then use the database. Null when the URI is not a file store.
 */
export function fileStoreHint(uri: string, cwd: string = process.cwd()): string | null {
  const dir = localFolderOf(uri, cwd);
  if (dir === null || !isFileStoreFolder(dir)) return null;
  return (
    `'${uri}' is an MLflow file store (a folder such as ./mlruns), which Flowline does not open directly. ` +
    `Import it into a database once with \`flowline db import-filestore ${uri} --to ${IMPORT_TARGET_HINT}\`, ` +
    `then use ${IMPORT_TARGET_HINT} as the store URI (--backend-store-uri, --tracking-uri or MLFLOW_TRACKING_URI).`
  );
}
