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
import { migrateToLatest, type OpenDatabase, openDatabase } from '@flowline/db';
import type { RegistryContext, SourcePolicy } from './context.js';
import * as models from './models.js';
import * as versions from './versions.js';

/** Options for opening a `SqlRegistryStore`. */
export interface SqlRegistryStoreOptions {
  /** Where version sources may point; without it only traversal is refused. */
  sources?: SourcePolicy;
  clock?: Clock;
  cwd?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
}

/**
 * The model registry on Kysely, in MLflow's own registry tables, in the same database and migration
 * chain as the tracking store (SQLite or PostgreSQL).
 */
export class SqlRegistryStore implements RegistryStore {
  readonly #ctx: RegistryContext;
  readonly #database: OpenDatabase;

  private constructor(database: OpenDatabase, ctx: RegistryContext) {
    this.#database = database;
    this.#ctx = ctx;
  }

  /** Opens a store URI (`sqlite:///…` or `postgresql://…`) and migrates it. */
  static async open(uri: string, options: SqlRegistryStoreOptions = {}): Promise<SqlRegistryStore> {
    const database = await openDatabase(uri, { cwd: options.cwd });
    try {
      if (options.migrate !== false) await migrateToLatest(database.db, database.dialect);
      return new SqlRegistryStore(database, {
        db: database.db,
        dialect: database.dialect,
        clock: options.clock ?? systemClock,
        sources: options.sources ?? {},
      });
    } catch (error) {
      await database.close();
      throw error;
    }
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
  close(): Promise<void> {
    return this.#database.close();
  }
}
