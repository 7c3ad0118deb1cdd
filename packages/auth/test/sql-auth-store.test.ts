import { expectMlflowError } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlAuthStore } from '../src/sql-auth-store.js';
import { authTargets } from './targets.js';

const PASSWORD = 'twelve-chars-at-least';

for (const target of authTargets()) {
  describe(`SqlAuthStore (${target.name})`, () => {
    let store: SqlAuthStore;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlAuthStore.open(database.uri);
    });
    afterAll(async () => {
      await store.close();
      await drop();
    });

    it('creates users with MLflow rules and messages', async () => {
      const user = await store.createUser('u1', PASSWORD);
      expect(user).toMatchObject({ username: 'u1', isAdmin: false });
      expect(await store.hasUser('u1')).toBe(true);
      await expectMlflowError(
        store.createUser('u1', PASSWORD),
        'RESOURCE_ALREADY_EXISTS',
        /User \(username=u1\) already exists/,
      );
      await expectMlflowError(
        store.createUser('', PASSWORD),
        'INVALID_PARAMETER_VALUE',
        /Username cannot be empty\./,
      );
      await expectMlflowError(
        store.createUser('u2', 'short'),
        'INVALID_PARAMETER_VALUE',
        /Password must be a string longer than 12 characters\./,
      );
      // Exactly 12 passes: MLflow's check is `len < 12`.
      await store.createUser('u12', '123456789012');
      await expectMlflowError(
        store.getUser('ghost'),
        'RESOURCE_DOES_NOT_EXIST',
        /User with username=ghost not found/,
      );
    });

    it('changes passwords and the admin flag, and deletes users with their permissions', async () => {
      await store.createUser('u3', PASSWORD, { isAdmin: true });
      expect(await store.authenticate('u3', PASSWORD)).toMatchObject({ isAdmin: true });
      await store.updateUser('u3', { password: 'another-long-password', isAdmin: false });
      expect(await store.authenticate('u3', PASSWORD)).toBeNull();
      expect(await store.authenticate('u3', 'another-long-password')).toMatchObject({ isAdmin: false });
      await expectMlflowError(
        store.updateUser('u3', { password: 'x' }),
        'INVALID_PARAMETER_VALUE',
        /longer than 12/,
      );
      await store.createExperimentPermission('7', 'u3', 'READ');
      await store.createRegisteredModelPermission('model', 'u3', 'EDIT');
      await store.deleteUser('u3');
      expect(await store.hasUser('u3')).toBe(false);
      await expectMlflowError(
        store.deleteUser('u3'),
        'RESOURCE_DOES_NOT_EXIST',
        /User with username=u3 not found/,
      );
    });

    it('keeps experiment permissions as MLflow does', async () => {
      const user = await store.createUser('e1', PASSWORD);
      expect(await store.createExperimentPermission('1', 'e1', 'READ')).toEqual({
        experimentId: '1',
        userId: user.id,
        permission: 'READ',
      });
      await expectMlflowError(
        store.createExperimentPermission('1', 'e1', 'EDIT'),
        'RESOURCE_ALREADY_EXISTS',
        /Experiment permission \(experiment_id=1, username=e1\) already exists/,
      );
      await expectMlflowError(
        store.createExperimentPermission('2', 'e1', 'WRITE'),
        'INVALID_PARAMETER_VALUE',
        /^Invalid permission 'WRITE'\. Valid permissions are: \('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'\)$/,
      );
      await store.updateExperimentPermission('1', 'e1', 'MANAGE');
      expect((await store.getExperimentPermission('1', 'e1')).permission).toBe('MANAGE');
      expect(await store.listExperimentPermissions(user.id)).toHaveLength(1);
      await store.deleteExperimentPermission('1', 'e1');
      await expectMlflowError(
        store.getExperimentPermission('1', 'e1'),
        'RESOURCE_DOES_NOT_EXIST',
        /^Experiment permission with experiment_id=1 and username=e1 not found$/,
      );
      await expectMlflowError(store.updateExperimentPermission('1', 'e1', 'READ'), 'RESOURCE_DOES_NOT_EXIST');
      expect(await store.findExperimentPermission('1', user.id)).toBeNull();
    });

    it('keys registered-model permissions by name: renamed with the model, removed with it', async () => {
      const a = await store.createUser('r1', PASSWORD);
      const b = await store.createUser('r2', PASSWORD);
      await store.createRegisteredModelPermission('old', 'r1', 'MANAGE');
      await store.createRegisteredModelPermission('old', 'r2', 'READ');
      await store.createRegisteredModelPermission('new', 'r2', 'EDIT'); // stale row of a deleted model
      await expectMlflowError(
        store.createRegisteredModelPermission('old', 'r1', 'READ'),
        'RESOURCE_ALREADY_EXISTS',
        /Registered model permission with workspace=default, name=old and username=r1 already exists/,
      );
      await store.renameRegisteredModelPermissions('old', 'new');
      expect(await store.findRegisteredModelPermission('old', a.id)).toBeNull();
      expect(await store.findRegisteredModelPermission('new', a.id)).toBe('MANAGE');
      expect(await store.findRegisteredModelPermission('new', b.id)).toBe('READ');
      await store.deleteRegisteredModelPermissions('new');
      expect(await store.listRegisteredModelPermissions(a.id)).toEqual([]);
      await expectMlflowError(
        store.getRegisteredModelPermission('new', 'r2'),
        'RESOURCE_DOES_NOT_EXIST',
        /^Registered model permission with workspace=default, name=new and username=r2 not found$/,
      );
    });

    it('lists a user with every permission they hold', async () => {
      const user = await store.createUser('d1', PASSWORD);
      await store.createExperimentPermission('5', 'd1', 'EDIT');
      await store.createRegisteredModelPermission('m5', 'd1', 'READ');
      expect(await store.getUser('d1')).toEqual({
        id: user.id,
        username: 'd1',
        isAdmin: false,
        experimentPermissions: [{ experimentId: '5', userId: user.id, permission: 'EDIT' }],
        registeredModelPermissions: [
          { name: 'm5', userId: user.id, permission: 'READ', workspace: 'default' },
        ],
        scorerPermissions: [],
      });
      expect((await store.listUsers()).map((u) => u.username)).toContain('d1');
    });
  });
}
