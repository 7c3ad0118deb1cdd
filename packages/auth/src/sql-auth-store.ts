import { type OpenDatabase, openDatabase } from '@flowline/db';
import type { Kysely } from 'kysely';
import type {
  AuthStore,
  AuthUser,
  ExperimentPermission,
  RegisteredModelPermission,
  UserDetails,
} from './auth-store.js';
import type { AuthDatabase } from './database.js';
import { type AuthMigrationReport, migrateAuthDatabase } from './migrations/migrate-auth-database.js';
import type { PermissionName } from './permissions.js';
import type { AuthContext } from './sql/context.js';
import * as permissions from './sql/permissions.js';
import * as users from './sql/users.js';

/** Options for opening a `SqlAuthStore`. */
export interface SqlAuthStoreOptions {
  /** Working folder for a relative `sqlite:///` path (default: `process.cwd()`). */
  cwd?: string;
  /** Bring the database to MLflow's auth head on open (default true). */
  migrate?: boolean;
}

/**
 * MLflow's auth store on Kysely (SQLite or PostgreSQL), in MLflow's own auth tables, so an MLflow
 * `basic_auth.db` opens as it is and a database Flowline creates opens in MLflow.
 */
export class SqlAuthStore implements AuthStore {
  readonly #ctx: AuthContext;
  readonly #database: OpenDatabase;
  /** What opening did to the schema. */
  readonly migration: AuthMigrationReport | null;

  private constructor(database: OpenDatabase, migration: AuthMigrationReport | null) {
    this.#database = database;
    this.#ctx = { db: database.db as unknown as Kysely<AuthDatabase>, adapter: database.adapter };
    this.migration = migration;
  }

  /** Opens an auth database URI (MLflow's `database_uri`) and migrates it to MLflow 3.10's auth head. */
  static async open(uri: string, options: SqlAuthStoreOptions = {}): Promise<SqlAuthStore> {
    const database = await openDatabase(uri, { cwd: options.cwd, poolSize: 4 });
    try {
      const migration =
        options.migrate === false
          ? null
          : await migrateAuthDatabase(database.db as unknown as Kysely<unknown>, database.dialect);
      return new SqlAuthStore(database, migration);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  /** The database's URI with any password masked. */
  get uri(): string {
    return this.#database.uri;
  }

  createUser(username: string, password: string, options: { isAdmin?: boolean } = {}): Promise<AuthUser> {
    return users.createUser(this.#ctx, username, password, options.isAdmin ?? false);
  }
  hasUser(username: string): Promise<boolean> {
    return users.hasUser(this.#ctx, username);
  }
  getUser(username: string): Promise<UserDetails> {
    return users.getUser(this.#ctx, username);
  }
  authenticate(username: string, password: string): Promise<AuthUser | null> {
    return users.authenticate(this.#ctx, username, password);
  }
  listUsers(): Promise<AuthUser[]> {
    return users.listUsers(this.#ctx);
  }
  updateUser(username: string, changes: { password?: string; isAdmin?: boolean }): Promise<AuthUser> {
    return users.updateUser(this.#ctx, username, changes);
  }
  deleteUser(username: string): Promise<void> {
    return users.deleteUser(this.#ctx, username);
  }

  createExperimentPermission(
    experimentId: string,
    username: string,
    permission: string,
  ): Promise<ExperimentPermission> {
    return permissions.createExperimentPermission(this.#ctx, experimentId, username, permission);
  }
  getExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission> {
    return permissions.getExperimentPermission(this.#ctx, experimentId, username);
  }
  findExperimentPermission(experimentId: string, userId: number): Promise<PermissionName | null> {
    return permissions.findExperimentPermission(this.#ctx, experimentId, userId);
  }
  listExperimentPermissions(userId: number): Promise<ExperimentPermission[]> {
    return permissions.listExperimentPermissions(this.#ctx, userId);
  }
  updateExperimentPermission(
    experimentId: string,
    username: string,
    permission: string,
  ): Promise<ExperimentPermission> {
    return permissions.updateExperimentPermission(this.#ctx, experimentId, username, permission);
  }
  deleteExperimentPermission(experimentId: string, username: string): Promise<void> {
    return permissions.deleteExperimentPermission(this.#ctx, experimentId, username);
  }

  createRegisteredModelPermission(
    name: string,
    username: string,
    permission: string,
  ): Promise<RegisteredModelPermission> {
    return permissions.createRegisteredModelPermission(this.#ctx, name, username, permission);
  }
  getRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission> {
    return permissions.getRegisteredModelPermission(this.#ctx, name, username);
  }
  findRegisteredModelPermission(name: string, userId: number): Promise<PermissionName | null> {
    return permissions.findRegisteredModelPermission(this.#ctx, name, userId);
  }
  listRegisteredModelPermissions(userId: number): Promise<RegisteredModelPermission[]> {
    return permissions.listRegisteredModelPermissions(this.#ctx, userId);
  }
  updateRegisteredModelPermission(
    name: string,
    username: string,
    permission: string,
  ): Promise<RegisteredModelPermission> {
    return permissions.updateRegisteredModelPermission(this.#ctx, name, username, permission);
  }
  deleteRegisteredModelPermission(name: string, username: string): Promise<void> {
    return permissions.deleteRegisteredModelPermission(this.#ctx, name, username);
  }
  deleteRegisteredModelPermissions(name: string): Promise<void> {
    return permissions.deleteRegisteredModelPermissions(this.#ctx, name);
  }
  renameRegisteredModelPermissions(oldName: string, newName: string): Promise<void> {
    return permissions.renameRegisteredModelPermissions(this.#ctx, oldName, newName);
  }

  close(): Promise<void> {
    return this.#database.close();
  }
}
