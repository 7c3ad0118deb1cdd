import type { PermissionName } from './permissions.js';

/** An account, as the server needs it on every request. */
export interface AuthUser {
  id: number;
  username: string;
  isAdmin: boolean;
}

/** A user's permission on one experiment. */
export interface ExperimentPermission {
  experimentId: string;
  userId: number;
  permission: PermissionName;
}

/** A user's permission on one registered model, keyed by its name (MLflow keeps it per workspace). */
export interface RegisteredModelPermission {
  name: string;
  userId: number;
  permission: PermissionName;
  workspace: string;
}

/** A user's permission on one scorer of an experiment (MLflow 3); listed, not enforced by Flowline. */
export interface ScorerPermission {
  experimentId: string;
  scorerName: string;
  userId: number;
  permission: PermissionName;
}

/** A user with every permission they hold, as MLflow's `users/get` answers. */
export interface UserDetails extends AuthUser {
  experimentPermissions: ExperimentPermission[];
  registeredModelPermissions: RegisteredModelPermission[];
  scorerPermissions: ScorerPermission[];
}

/** The workspace every registered-model permission lives in while workspaces are off (MLflow's default). */
export const DEFAULT_WORKSPACE = 'default';

/**
 * MLflow's auth store (`mlflow.server.auth.sqlalchemy_store.SqlAlchemyStore`): users with werkzeug
 * password hashes, and per-user permissions on experiments and registered models. Methods that name a
 * user by `username` throw RESOURCE_DOES_NOT_EXIST for an unknown one, with MLflow's messages.
 */
export interface AuthStore {
  /** Creates a user (username non-empty, password at least 12 characters, as MLflow requires). */
  createUser(username: string, password: string, options?: { isAdmin?: boolean }): Promise<AuthUser>;
  hasUser(username: string): Promise<boolean>;
  getUser(username: string): Promise<UserDetails>;
  /** The user if the password is theirs, else null (also for an unknown user). */
  authenticate(username: string, password: string): Promise<AuthUser | null>;
  listUsers(): Promise<AuthUser[]>;
  updateUser(username: string, changes: { password?: string; isAdmin?: boolean }): Promise<AuthUser>;
  /** Deletes the user and every permission they hold. */
  deleteUser(username: string): Promise<void>;

  createExperimentPermission(
    experimentId: string,
    username: string,
    permission: string,
  ): Promise<ExperimentPermission>;
  getExperimentPermission(experimentId: string, username: string): Promise<ExperimentPermission>;
  /** The hot path of every request: the permission row of one user on one experiment, if any. */
  findExperimentPermission(experimentId: string, userId: number): Promise<PermissionName | null>;
  listExperimentPermissions(userId: number): Promise<ExperimentPermission[]>;
  updateExperimentPermission(
    experimentId: string,
    username: string,
    permission: string,
  ): Promise<ExperimentPermission>;
  deleteExperimentPermission(experimentId: string, username: string): Promise<void>;

  createRegisteredModelPermission(
    name: string,
    username: string,
    permission: string,
  ): Promise<RegisteredModelPermission>;
  getRegisteredModelPermission(name: string, username: string): Promise<RegisteredModelPermission>;
  findRegisteredModelPermission(name: string, userId: number): Promise<PermissionName | null>;
  listRegisteredModelPermissions(userId: number): Promise<RegisteredModelPermission[]>;
  updateRegisteredModelPermission(
    name: string,
    username: string,
    permission: string,
  ): Promise<RegisteredModelPermission>;
  deleteRegisteredModelPermission(name: string, username: string): Promise<void>;
  /** Removes every user's permission on a model, when the model is deleted (MLflow 3). */
  deleteRegisteredModelPermissions(name: string): Promise<void>;
  /** Moves every user's permission on a model to its new name, when the model is renamed. */
  renameRegisteredModelPermissions(oldName: string, newName: string): Promise<void>;

  close(): Promise<void>;
}
