import type { SqlDialectName } from '@flowline/db';
import { type Kysely, sql } from 'kysely';

// MLflow's auth migrations (mlflow/server/auth/db/migrations/versions), restated as the DDL Alembic emits,
// one step per revision in MLflow's order. A database Flowline creates runs them all, so it has the schema
// a fresh MLflow database has; an older MLflow database gets the steps it lacks, as MLflow's own
// `migrate_if_needed` would apply them.

/** One of MLflow's auth revisions and what it does. */
export interface AlembicStep {
  revision: string;
  apply(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void>;
}

// SQLAlchemy's `Integer` primary key: a rowid alias on SQLite, SERIAL on Postgres.
const idColumn = (dialect: SqlDialectName) => (dialect === 'postgres' ? 'SERIAL' : 'INTEGER');

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** A `<thing>_permissions` table as MLflow's migrations create them: id, key column(s), user, permission. */
function permissionTable(
  dialect: SqlDialectName,
  table: string,
  keyColumns: string[],
  fk: string,
  unique: string,
  uniqueColumns: string[],
): string {
  return `CREATE TABLE ${table} (
\tid ${idColumn(dialect)} NOT NULL,
${keyColumns.map((c) => `\t${c},\n`).join('')}\tuser_id INTEGER NOT NULL,
\tpermission VARCHAR(255),
\tPRIMARY KEY (id),
\tCONSTRAINT ${fk} FOREIGN KEY(user_id) REFERENCES users (id),
\tCONSTRAINT ${unique} UNIQUE (${uniqueColumns.join(', ')})
)`;
}

/** 8606fa83a998, the first: users, experiment and registered-model permissions. */
const initial: AlembicStep = {
  revision: '8606fa83a998',
  async apply(db, dialect) {
    await run(db, [
      `CREATE TABLE users (
\tid ${idColumn(dialect)} NOT NULL,
\tusername VARCHAR(255),
\tpassword_hash VARCHAR(255),
\tis_admin BOOLEAN,
\tPRIMARY KEY (id),
\tUNIQUE (username)
)`,
      permissionTable(
        dialect,
        'experiment_permissions',
        ['experiment_id VARCHAR(255) NOT NULL'],
        'fk_user_id',
        'unique_experiment_user',
        ['experiment_id', 'user_id'],
      ),
      permissionTable(
        dialect,
        'registered_model_permissions',
        ['name VARCHAR(255) NOT NULL'],
        'fk_user_id',
        'unique_name_user',
        ['name', 'user_id'],
      ),
    ]);
  },
};

/** 0965eb92f5f0: scorer permissions. */
const scorerPermissions: AlembicStep = {
  revision: '0965eb92f5f0',
  async apply(db, dialect) {
    await run(db, [
      permissionTable(
        dialect,
        'scorer_permissions',
        ['experiment_id VARCHAR(255) NOT NULL', 'scorer_name VARCHAR(256) NOT NULL'],
        'fk_scorer_perm_user_id',
        'unique_scorer_user',
        ['experiment_id', 'scorer_name', 'user_id'],
      ),
    ]);
  },
};

/** a1b2c3d4e5f6: AI-gateway secret, endpoint and model-definition permissions. */
const gatewayPermissions: AlembicStep = {
  revision: 'a1b2c3d4e5f6',
  async apply(db, dialect) {
    await run(db, [
      permissionTable(
        dialect,
        'gateway_secret_permissions',
        ['secret_id VARCHAR(255) NOT NULL'],
        'fk_gateway_secret_perm_user_id',
        'unique_secret_user',
        ['secret_id', 'user_id'],
      ),
      permissionTable(
        dialect,
        'gateway_endpoint_permissions',
        ['endpoint_id VARCHAR(255) NOT NULL'],
        'fk_gateway_endpoint_perm_user_id',
        'unique_endpoint_user',
        ['endpoint_id', 'user_id'],
      ),
      permissionTable(
        dialect,
        'gateway_model_definition_permissions',
        ['model_definition_id VARCHAR(255) NOT NULL'],
        'fk_gateway_model_def_perm_user_id',
        'unique_model_def_user',
        ['model_definition_id', 'user_id'],
      ),
    ]);
  },
};

/** 2ed73881770d, the head of MLflow 3.10: workspace permissions, and registered-model permissions per workspace. */
const workspacePermissions: AlembicStep = {
  revision: '2ed73881770d',
  async apply(db, dialect) {
    await run(db, [
      `CREATE TABLE workspace_permissions (
\tworkspace VARCHAR(63) NOT NULL,
\tuser_id INTEGER NOT NULL,
\tpermission VARCHAR(32) NOT NULL,
\tCONSTRAINT workspace_permissions_pk PRIMARY KEY (workspace, user_id),
\tFOREIGN KEY(user_id) REFERENCES users (id)
)`,
      'CREATE INDEX idx_workspace_permissions_user_id ON workspace_permissions (user_id)',
      'CREATE INDEX idx_workspace_permissions_workspace ON workspace_permissions (workspace)',
    ]);
    if (dialect === 'postgres') {
      await run(db, [
        "ALTER TABLE registered_model_permissions ADD COLUMN workspace VARCHAR(63) DEFAULT 'default' NOT NULL",
        'ALTER TABLE registered_model_permissions DROP CONSTRAINT IF EXISTS unique_name_user',
        'ALTER TABLE registered_model_permissions ADD CONSTRAINT unique_workspace_name_user UNIQUE (workspace, name, user_id)',
      ]);
      return;
    }
    // SQLite cannot drop a constraint: rebuild the table as Alembic's batch mode does.
    await run(db, [
      `CREATE TABLE _alembic_tmp_registered_model_permissions (
\tid INTEGER NOT NULL,
\tname VARCHAR(255) NOT NULL,
\tuser_id INTEGER NOT NULL,
\tpermission VARCHAR(255),
\tworkspace VARCHAR(63) DEFAULT 'default' NOT NULL,
\tPRIMARY KEY (id),
\tCONSTRAINT fk_user_id FOREIGN KEY(user_id) REFERENCES users (id),
\tCONSTRAINT unique_workspace_name_user UNIQUE (workspace, name, user_id)
)`,
      `INSERT INTO _alembic_tmp_registered_model_permissions (id, name, user_id, permission)
SELECT id, name, user_id, permission FROM registered_model_permissions`,
      'DROP TABLE registered_model_permissions',
      'ALTER TABLE _alembic_tmp_registered_model_permissions RENAME TO registered_model_permissions',
    ]);
  },
};

/** MLflow's auth revisions through 3.10, oldest first. */
export const ALEMBIC_STEPS: readonly AlembicStep[] = [
  initial,
  scorerPermissions,
  gatewayPermissions,
  workspacePermissions,
];
