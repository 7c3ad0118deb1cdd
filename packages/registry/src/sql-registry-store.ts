import {
  type Clock,
  type CreateModelVersionInput,
  type ModelVersion,
  type Page,
  type RegisteredModel,
  type RegistrySearchOptions,
  type RegistryStore,
  type RegistryTag,
  systemClock,
} from '@flowline/core';
import { checkSchema, type OpenDatabase, openDatabase } from '@flowline/db';
import type { RegistryContext, SourcePolicy } from './context.js';
import * as models from './models.js';
import * as versions from './versions.js';

/** Options for `SqlRegistryStore.create` and `open`. */
export interface SqlRegistryStoreOptions {
  /** Where version sources may point; without it only traversal is refused. */
  sources?: SourcePolicy;
  clock?: Clock;
  /** Working folder for relative SQLite paths (`open` only). */
  cwd?: string;
  /** Apply pending migrations (default true). With false, a database needing them is refused. */
  migrate?: boolean;
}

/**
 * The model registry on Kysely, in MLflow's own registry tables, in the same database and migration
 * chain as the tracking store (SQLite or PostgreSQL); what differs between dialects comes from the
 * database's adapter.
 */
export class SqlRegistryStore implements RegistryStore {
  readonly #ctx: RegistryContext;
  readonly #owned: boolean;
  /** The database the registry works on (shared with any other store created on it). */
  readonly database: OpenDatabase;

  private constructor(database: OpenDatabase, ctx: RegistryContext, owned: boolean) {
    this.database = database;
    this.#ctx = ctx;
    this.#owned = owned;
  }

  /**
   * A registry on an open database (`openDatabase(uri)`), migrated once per handle however many stores share
   * it. `close()` leaves the database open: whoever opened it closes it.
   */
  static create(database: OpenDatabase, options: SqlRegistryStoreOptions = {}): Promise<SqlRegistryStore> {
    return SqlRegistryStore.#create(database, options, false);
  }

  /** Opens a store URI (`sqlite:///…` or `postgresql://…`) in a database of its own, which `close()` closes. */
  static async open(uri: string, options: SqlRegistryStoreOptions = {}): Promise<SqlRegistryStore> {
    const database = await openDatabase(uri, { cwd: options.cwd });
    try {
      return await SqlRegistryStore.#create(database, options, true);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  static async #create(
    database: OpenDatabase,
    options: SqlRegistryStoreOptions,
    owned: boolean,
  ): Promise<SqlRegistryStore> {
    if (options.migrate === false) await checkSchema(database);
    else await database.migrate();
    const ctx: RegistryContext = {
      db: database.db,
      adapter: database.adapter,
      clock: options.clock ?? systemClock,
      sources: options.sources ?? {},
    };
    return new SqlRegistryStore(database, ctx, owned);
  }

  createRegisteredModel(input: {
    name: string;
    description?: string;
    tags?: RegistryTag[];
  }): Promise<RegisteredModel> {
    return models.createRegisteredModel(this.#ctx, input);
  }
  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return models.getRegisteredModel(this.#ctx, name);
  }
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return models.renameRegisteredModel(this.#ctx, name, newName);
  }
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return models.updateRegisteredModel(this.#ctx, name, description);
  }
  deleteRegisteredModel(name: string): Promise<void> {
    return models.deleteRegisteredModel(this.#ctx, name);
  }
  searchRegisteredModels(options?: RegistrySearchOptions): Promise<Page<RegisteredModel>> {
    return models.searchRegisteredModels(this.#ctx, options);
  }
  setRegisteredModelTag(name: string, tag: RegistryTag): Promise<void> {
    return models.setRegisteredModelTag(this.#ctx, name, tag);
  }
  deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    return models.deleteRegisteredModelTag(this.#ctx, name, key);
  }
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    return versions.getLatestVersions(this.#ctx, name, stages);
  }
  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    return versions.createModelVersion(this.#ctx, input);
  }
  getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return versions.getModelVersion(this.#ctx, name, version);
  }
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return versions.updateModelVersion(this.#ctx, name, version, description);
  }
  deleteModelVersion(name: string, version: string): Promise<void> {
    return versions.deleteModelVersion(this.#ctx, name, version);
  }
  searchModelVersions(options?: RegistrySearchOptions): Promise<Page<ModelVersion>> {
    return versions.searchModelVersions(this.#ctx, options);
  }
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions?: boolean,
  ): Promise<ModelVersion> {
    return versions.transitionStage(this.#ctx, name, version, stage, archiveExistingVersions);
  }
  setModelVersionTag(name: string, version: string, tag: RegistryTag): Promise<void> {
    return versions.setModelVersionTag(this.#ctx, name, version, tag);
  }
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    return versions.deleteModelVersionTag(this.#ctx, name, version, key);
  }
  getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return versions.getDownloadUri(this.#ctx, name, version);
  }
  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    return versions.setAlias(this.#ctx, name, alias, version);
  }
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    return versions.deleteAlias(this.#ctx, name, alias);
  }
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return versions.getVersionByAlias(this.#ctx, name, alias);
  }
  /** Closes the database when the registry opened it (`open`); one from `create` leaves it to its opener. */
  async close(): Promise<void> {
    if (this.#owned) await this.database.close();
  }
}
