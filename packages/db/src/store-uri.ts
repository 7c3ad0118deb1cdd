import { resolve } from 'node:path';
import { MlflowError } from '@flowline/core';
import type { SqlDialectName } from './dialect.js';
import { fileStoreHint } from './file-store.js';

/** A parsed store URI. */
export interface StoreLocation {
  dialect: SqlDialectName;
  /** SQLite: an absolute file path, or `:memory:`. */
  filename?: string;
  /** PostgreSQL: a `postgresql://` connection string for `pg`. */
  connectionString?: string;
}

/** The default store, as MLflow 3's server uses: `mlflow.db` in the working folder. */
export const DEFAULT_STORE_URI = 'sqlite:///mlflow.db';

/**
 * Parses MLflow's store URI forms: `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite://` or
 * `sqlite:///:memory:` (in memory), and `postgresql://` / `postgres://` (a `+driver` suffix such as
 * `postgresql+psycopg2://` is accepted and ignored, so MLflow's URIs work unchanged). A path or `file:` URI
 * naming an MLflow file store is refused with how to import it (`flowline db import-filestore`).
 */
export function parseStoreUri(uri: string, cwd: string = process.cwd()): StoreLocation {
  const match = /^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?:\/\/(.*)$/i.exec(uri);
  const hint = !match || match[1]!.toLowerCase() === 'file' ? fileStoreHint(uri, cwd) : null;
  if (hint) throw MlflowError.invalidParameterValue(hint);
  if (!match) {
    throw MlflowError.invalidParameterValue(
      `Unsupported store URI '${uri}'. Use sqlite:///path/to/file.db or postgresql://user@host:port/database.`,
    );
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[3]!;
  if (scheme === 'sqlite') {
    if (rest === '' || rest === '/:memory:' || rest === ':memory:')
      return { dialect: 'sqlite', filename: ':memory:' };
    if (!rest.startsWith('/')) {
      throw MlflowError.invalidParameterValue(
        `Invalid SQLite URI '${uri}': use three slashes for a relative path (sqlite:///mlflow.db) or four for an absolute one (sqlite:////data/mlflow.db).`,
      );
    }
    const path = decodeURIComponent(rest.slice(1).split('?')[0]!);
    return { dialect: 'sqlite', filename: resolve(cwd, path) };
  }
  if (scheme === 'postgresql' || scheme === 'postgres') {
    return { dialect: 'postgres', connectionString: `postgresql://${rest}` };
  }
  throw MlflowError.invalidParameterValue(
    `Unsupported store URI scheme '${scheme}' in '${uri}'. Flowline stores metadata in SQLite (sqlite:///...) or PostgreSQL (postgresql://...).`,
  );
}
