import type { ColumnType, Generated } from 'kysely';

// MLflow's auth database (mlflow/server/auth/db), at the revision Flowline creates; snake_case as in SQL.

/** `users`: one row per account; the password as a werkzeug hash. */
export interface UsersTable {
  id: Generated<number>;
  username: string | null;
  password_hash: string | null;
  /** BOOLEAN: 0/1 on SQLite, true/false on Postgres. */
  is_admin: boolean | number | null;
}

/** `experiment_permissions`: a user's permission on one experiment (by id). */
export interface ExperimentPermissionsTable {
  id: Generated<number>;
  experiment_id: string;
  user_id: number;
  permission: string | null;
}

/** `registered_model_permissions`: a user's permission on one registered model (by name, per workspace). */
export interface RegisteredModelPermissionsTable {
  id: Generated<number>;
  name: string;
  user_id: number;
  permission: string | null;
  workspace: ColumnType<string, string | undefined, string>;
}

/** `scorer_permissions` (MLflow 3): kept so MLflow's rows survive; Flowline has no scorers. */
export interface ScorerPermissionsTable {
  id: Generated<number>;
  experiment_id: string;
  scorer_name: string;
  user_id: number;
  permission: string | null;
}

/** `workspace_permissions` (MLflow 3.10): kept for MLflow; Flowline serves the default workspace only. */
export interface WorkspacePermissionsTable {
  workspace: string;
  user_id: number;
  permission: string;
}

/** A row of any of MLflow 3's gateway permission tables, each keyed by its own id column. */
export interface GatewayPermissionTable {
  id: Generated<number>;
  user_id: number;
  permission: string | null;
}

/** The auth database's tables. */
export interface AuthDatabase {
  users: UsersTable;
  experiment_permissions: ExperimentPermissionsTable;
  registered_model_permissions: RegisteredModelPermissionsTable;
  scorer_permissions: ScorerPermissionsTable;
  workspace_permissions: WorkspacePermissionsTable;
  gateway_secret_permissions: GatewayPermissionTable & { secret_id: string };
  gateway_endpoint_permissions: GatewayPermissionTable & { endpoint_id: string };
  gateway_model_definition_permissions: GatewayPermissionTable & { model_definition_id: string };
  alembic_version: { version_num: string };
}

/** The tables holding a `user_id` that points at `users`, which go with the user. */
export const USER_OWNED_TABLES: ReadonlyArray<Exclude<keyof AuthDatabase, 'users' | 'alembic_version'>> = [
  'experiment_permissions',
  'registered_model_permissions',
  'scorer_permissions',
  'workspace_permissions',
  'gateway_secret_permissions',
  'gateway_endpoint_permissions',
  'gateway_model_definition_permissions',
];
