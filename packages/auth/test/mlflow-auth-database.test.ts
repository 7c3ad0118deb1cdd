import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { openDatabase } from '@flowline/db';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTH_HEAD_REVISION } from '../src/migrations/migrate-auth-database.js';
import { SqlAuthStore } from '../src/sql-auth-store.js';
import { fixtureStatements, rowsSnapshot, runStatements, schemaSnapshot } from './schema-snapshot.js';
import { authTargets } from './targets.js';

const TABLES = [
  'alembic_version',
  'users',
  'experiment_permissions',
  'registered_model_permissions',
  'scorer_permissions',
  'gateway_secret_permissions',
  'gateway_endpoint_permissions',
  'gateway_model_definition_permissions',
  'workspace_permissions',
] as const;

// Password hashes as MLflow's store writes them through werkzeug: pbkdf2 (werkzeug 2, MLflow 2.x) and
// scrypt (werkzeug 3), computed as werkzeug's _hash_internal does.
const pbkdf2Hash = (password: string, salt: string, iterations: number) =>
  `pbkdf2:sha256:${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('hex')}`;
const scryptHash = (password: string, salt: string) =>
  `scrypt:32768:8:1$${salt}$${scryptSync(password, salt, 64, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('hex')}`;

const ALICE = { username: 'alice', password: 'alice-password-2x' };
const BOB = { username: 'bob', password: 'bob-password-3x-scrypt' };

async function seedUsers(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await sql`insert into users (id, username, password_hash, is_admin) values
    (1, 'admin', ${scryptHash('password1234', 'AdminSaltAdminSa')}, ${sql.lit(true)}),
    (2, ${ALICE.username}, ${pbkdf2Hash(ALICE.password, 'aliceSalt1234567', 260000)}, ${sql.lit(false)}),
    (3, ${BOB.username}, ${scryptHash(BOB.password, 'bobSalt123456789')}, ${sql.lit(false)})`.execute(db);
  await sql`insert into experiment_permissions (experiment_id, user_id, permission) values ('1', 2, 'EDIT'), ('2', 3, 'READ')`.execute(
    db,
  );
  // Rows given ids by hand leave Postgres's SERIAL behind; MLflow's own inserts never do that.
  if (dialect === 'postgres')
    await sql`select setval(pg_get_serial_sequence('users', 'id'), (select max(id) from users))`.execute(db);
}

for (const target of authTargets()) {
  describe(`an MLflow auth database (${target.name})`, () => {
    const drops: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const drop of drops) await drop();
    });

    async function mlflowDatabase(fixture: string) {
      const { uri, drop } = await target.createDatabase();
      drops.push(drop);
      const raw = await openDatabase(uri);
      const db = raw.db as unknown as Kysely<unknown>;
      await runStatements(db, fixtureStatements(fixture));
      return { uri, raw, db };
    }

    it("opens MLflow 3.10's database unchanged, and its pbkdf2 and scrypt users log in", async () => {
      const { uri, raw, db } = await mlflowDatabase(
        `mlflow-auth-${target.name === 'sqlite' ? 'sqlite' : 'postgresql'}.sql`,
      );
      await seedUsers(db, target.name);
      await sql`insert into registered_model_permissions (name, user_id, permission) values ('m', 2, 'MANAGE')`.execute(
        db,
      );
      const schema = await schemaSnapshot(db, target.name);
      const rows = await rowsSnapshot(db, TABLES);

      const store = await SqlAuthStore.open(uri);
      try {
        expect(store.migration).toEqual({
          from: AUTH_HEAD_REVISION,
          revision: AUTH_HEAD_REVISION,
          applied: [],
        });
        expect(await schemaSnapshot(db, target.name)).toEqual(schema);
        expect(await rowsSnapshot(db, TABLES)).toEqual(rows);

        expect(await store.authenticate(ALICE.username, ALICE.password)).toEqual({
          id: 2,
          username: 'alice',
          isAdmin: false,
        });
        expect(await store.authenticate(BOB.username, BOB.password)).toEqual({
          id: 3,
          username: 'bob',
          isAdmin: false,
        });
        expect(await store.authenticate('admin', 'password1234')).toMatchObject({ isAdmin: true });
        expect(await store.authenticate(ALICE.username, BOB.password)).toBeNull();
        expect(await store.authenticate('nobody', ALICE.password)).toBeNull();
        expect(await store.findExperimentPermission('1', 2)).toBe('EDIT');
        expect(await store.findRegisteredModelPermission('m', 2)).toBe('MANAGE');

        // What Flowline writes, MLflow reads: a new user (scrypt hash) and a permission row.
        await store.createUser('carol', 'carol-password-long');
        await store.createRegisteredModelPermission('m', 'carol', 'READ');
        const { rows: carol } = await sql<{ password_hash: string; is_admin: unknown }>`
          select password_hash, is_admin from users where username = 'carol'`.execute(db);
        expect(carol[0]?.password_hash).toMatch(/^scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}$/);
        expect([false, 0]).toContain(carol[0]?.is_admin);
        const { rows: perm } =
          await sql`select workspace, permission from registered_model_permissions where user_id = 4`.execute(
            db,
          );
        expect(perm).toEqual([{ workspace: 'default', permission: 'READ' }]);
        expect(await schemaSnapshot(db, target.name)).toEqual(schema);
      } finally {
        await store.close();
        await raw.close();
      }
    });

    it('creates, in a new database, the very schema MLflow 3.10 creates, with alembic_version at its head', async () => {
      const mlflow = await mlflowDatabase(
        `mlflow-auth-${target.name === 'sqlite' ? 'sqlite' : 'postgresql'}.sql`,
      );
      const expected = await schemaSnapshot(mlflow.db, target.name);
      await mlflow.raw.close();

      const { uri, drop } = await target.createDatabase();
      drops.push(drop);
      const store = await SqlAuthStore.open(uri);
      await store.close();
      const raw = await openDatabase(uri);
      try {
        expect(store.migration?.from).toBeNull();
        expect(await schemaSnapshot(raw.db as unknown as Kysely<unknown>, target.name)).toEqual(expected);
        const { rows } = await sql`select version_num from alembic_version`.execute(raw.db);
        expect(rows).toEqual([{ version_num: AUTH_HEAD_REVISION }]);
      } finally {
        await raw.close();
      }
      // Opening again changes nothing.
      const again = await SqlAuthStore.open(uri);
      expect(again.migration?.applied).toEqual([]);
      await again.close();
    });

    it('refuses a revision it does not know, and a users table without alembic_version', async () => {
      const { uri, raw, db } = await mlflowDatabase(
        `mlflow-auth-${target.name === 'sqlite' ? 'sqlite' : 'postgresql'}.sql`,
      );
      await sql`update alembic_version set version_num = 'c3d4e5f6a7b8'`.execute(db);
      await expect(SqlAuthStore.open(uri)).rejects.toThrow(
        /revision c3d4e5f6a7b8, which Flowline does not know/,
      );
      await sql`drop table alembic_version`.execute(db);
      await expect(SqlAuthStore.open(uri)).rejects.toThrow(/not an MLflow auth database/);
      await raw.close();
    });
  });
}

describe('an MLflow 2.x auth database (sqlite)', () => {
  it('gets the revisions it lacks, as MLflow would upgrade it, keeping its users and permissions', async () => {
    const [sqlite] = authTargets();
    const head = await sqlite!.createDatabase();
    const headRaw = await openDatabase(head.uri);
    await runStatements(
      headRaw.db as unknown as Kysely<unknown>,
      fixtureStatements('mlflow-auth-sqlite.sql'),
    );
    const expected = await schemaSnapshot(headRaw.db as unknown as Kysely<unknown>, 'sqlite');
    await headRaw.close();

    const { uri, drop } = await sqlite!.createDatabase();
    const raw = await openDatabase(uri);
    const db = raw.db as unknown as Kysely<unknown>;
    try {
      await runStatements(db, fixtureStatements('mlflow-2x-auth-sqlite.sql'));
      await seedUsers(db, 'sqlite');
      await sql`insert into registered_model_permissions (name, user_id, permission) values ('m', 2, 'MANAGE')`.execute(
        db,
      );
      const store = await SqlAuthStore.open(uri);
      expect(store.migration).toEqual({
        from: '8606fa83a998',
        revision: AUTH_HEAD_REVISION,
        applied: ['0965eb92f5f0', 'a1b2c3d4e5f6', '2ed73881770d'],
      });
      expect(await schemaSnapshot(db, 'sqlite')).toEqual(expected);
      expect(await store.authenticate(ALICE.username, ALICE.password)).not.toBeNull();
      expect(await store.getRegisteredModelPermission('m', 'alice')).toEqual({
        name: 'm',
        userId: 2,
        permission: 'MANAGE',
        workspace: 'default',
      });
      await store.close();
    } finally {
      await raw.close();
      await drop();
      await head.drop();
    }
  });
});
