import { HttpTransport, httpOptionsFromEnv } from '@flowline/client';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServer, authServer, basic, passwordOf } from './auth-server.js';

// MLflow's clients over real HTTP on loopback: the Python client sends MLFLOW_TRACKING_USERNAME and
// MLFLOW_TRACKING_PASSWORD as HTTP basic (requests' HTTPBasicAuth) and MLFLOW_TRACKING_TOKEN as a bearer
// token; Flowline's client does the same from the same variables.

const NOT_AUTHENTICATED =
  'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.';

for (const target of storeTargets()) {
  describe(`basic auth over HTTP (${target.name})`, () => {
    let server: AuthServer;
    let url: string;
    beforeAll(async () => {
      server = await authServer(target, {
        defaultPermission: 'NO_PERMISSIONS',
        auth: { loginLimits: { maxFailuresPerUser: 5, maxFailuresPerAddress: 1000 } },
      });
      url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => server?.close());

    const http = (path: string, init: RequestInit & { json?: unknown } = {}) =>
      fetch(url + path, {
        ...init,
        ...(init.json === undefined
          ? {}
          : {
              body: JSON.stringify(init.json),
              headers: { 'content-type': 'application/json', ...init.headers },
            }),
      });

    it('answers 401 with MLflow’s message and a Basic challenge, so browsers and clients ask for a login', async () => {
      for (const headers of [
        {},
        { authorization: 'Basic bm9ib2R5Om5vcGFzc3dvcmQ=' },
        basic('read', 'wrong-password'),
      ]) {
        const res = await http('/api/2.0/mlflow/experiments/search?max_results=10', { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="mlflow"');
        expect(await res.text()).toBe(NOT_AUTHENTICATED);
      }
      // The web UI's pages too: the browser's prompt is the login page.
      const page = await http('/');
      expect(page.status).toBe(401);
      expect(page.headers.get('www-authenticate')).toBe('Basic realm="mlflow"');
      for (const open of ['/health', '/version']) expect((await http(open)).status).toBe(200);
    });

    it('lets MLflow’s Python-client requests in with basic credentials (HTTPBasicAuth)', async () => {
      const res = await http('/api/2.0/mlflow/experiments/create', {
        method: 'POST',
        headers: basic('edit'),
        json: { name: 'py-client' },
      });
      expect(res.status).toBe(200);
      const { experiment_id } = (await res.json()) as { experiment_id: string };
      const get = await http(`/api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`, {
        headers: basic('edit'),
      });
      expect(get.status).toBe(200);
      // A password with a colon in it, as basic auth allows.
      await server.auth.createUser('colon', 'pass:word:with:colons');
      expect(
        (
          await http('/api/2.0/mlflow/users/get?username=colon', {
            headers: basic('colon', 'pass:word:with:colons'),
          })
        ).status,
      ).toBe(200);
    });

    it('refuses bearer tokens as MLflow’s basic-auth app does, saying what it takes instead', async () => {
      const res = await http('/api/2.0/mlflow/experiments/search?max_results=1', {
        headers: { authorization: 'Bearer some-token' },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="mlflow"');
      const text = await res.text();
      expect(text.startsWith(NOT_AUTHENTICATED)).toBe(true);
      expect(text).toContain('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
    });

    it("works with Flowline's client configured by MLflow's variables", async () => {
      const client = new HttpTransport(
        url,
        httpOptionsFromEnv({
          MLFLOW_TRACKING_USERNAME: 'manage',
          MLFLOW_TRACKING_PASSWORD: passwordOf('manage'),
        }),
      );
      const { experiment_id } = await client.request<{ experiment_id: string }>(
        'POST',
        '/api/2.0/mlflow/experiments/create',
        {
          name: 'flowline-client',
        },
      );
      expect(experiment_id).toMatch(/^\d+$/);
      const token = new HttpTransport(url, {
        ...httpOptionsFromEnv({ MLFLOW_TRACKING_TOKEN: 't' }),
        maxRetries: 0,
      });
      await expect(
        token.request('GET', '/api/2.0/mlflow/experiments/get', { experiment_id }),
      ).rejects.toMatchObject({
        errorCode: 'UNAUTHENTICATED',
      });
      const wrong = new HttpTransport(url, { username: 'manage', password: 'not-it', maxRetries: 0 });
      await expect(
        wrong.request('GET', '/api/2.0/mlflow/experiments/get', { experiment_id }),
      ).rejects.toMatchObject({
        errorCode: 'UNAUTHENTICATED',
      });
    });

    it('rate-limits failed logins with 429 and Retry-After, and keeps other users working', async () => {
      await server.auth.createUser('target', 'target-password-1');
      for (let i = 0; i < 5; i++)
        expect(
          (
            await http('/api/2.0/mlflow/users/get?username=target', {
              headers: basic('target', `guess-${i}`),
            })
          ).status,
        ).toBe(401);
      const blocked = await http('/api/2.0/mlflow/users/get?username=target', {
        headers: basic('target', 'target-password-1'),
      });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.text()).toMatch(
        /^Too many failed logins for this user or from this address; try again in \d+ seconds\.$/,
      );
      expect((await http('/api/2.0/mlflow/users/get?username=read', { headers: basic('read') })).status).toBe(
        200,
      );
    });

    it('forgets cached credentials when a password changes or a user goes', async () => {
      await server.auth.createUser('changer', 'first-password-x');
      const as = (password: string) => ({ headers: basic('changer', password) });
      expect((await http('/api/2.0/mlflow/users/get?username=changer', as('first-password-x'))).status).toBe(
        200,
      );
      const changed = await http('/api/2.0/mlflow/users/update-password', {
        method: 'PATCH',
        ...as('first-password-x'),
        json: { username: 'changer', password: 'second-password-y' },
      });
      expect(changed.status).toBe(200);
      expect(await changed.json()).toEqual({});
      expect((await http('/api/2.0/mlflow/users/get?username=changer', as('first-password-x'))).status).toBe(
        401,
      );
      expect((await http('/api/2.0/mlflow/users/get?username=changer', as('second-password-y'))).status).toBe(
        200,
      );
      const gone = await http('/api/2.0/mlflow/users/delete', {
        method: 'DELETE',
        headers: basic('admin'),
        json: { username: 'changer' },
      });
      expect(gone.status).toBe(200);
      expect((await http('/api/2.0/mlflow/users/get?username=changer', as('second-password-y'))).status).toBe(
        401,
      );
    });

    it('serves MLflow’s user endpoints with its answers', async () => {
      const admin = { headers: basic('admin') };
      const created = await http('/api/2.0/mlflow/users/create', {
        method: 'POST',
        ...admin,
        json: { username: 'dora', password: 'dora-password-1' },
      });
      expect(created.status).toBe(200);
      const { user } = (await created.json()) as { user: Record<string, unknown> };
      expect(user).toEqual({
        id: expect.any(Number),
        username: 'dora',
        is_admin: false,
        experiment_permissions: [],
        registered_model_permissions: [],
        scorer_permissions: [],
      });
      const again = await http('/api/2.0/mlflow/users/create', {
        method: 'POST',
        ...admin,
        json: { username: 'dora', password: 'dora-password-1' },
      });
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({
        error_code: 'RESOURCE_ALREADY_EXISTS',
        message: expect.stringMatching(/^User \(username=dora\) already exists/),
      });
      const short = await http('/api/2.0/mlflow/users/create', {
        method: 'POST',
        ...admin,
        json: { username: 'eve', password: 'short' },
      });
      expect(await short.json()).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Password must be a string longer than 12 characters.',
      });
      // Only admins create users or change the admin flag; a user reads and changes only themselves.
      const dora = { headers: basic('dora', 'dora-password-1') };
      expect(
        (
          await http('/api/2.0/mlflow/users/create', {
            method: 'POST',
            ...dora,
            json: { username: 'x', password: 'xxxxxxxxxxxxxx' },
          })
        ).status,
      ).toBe(403);
      expect((await http('/api/2.0/mlflow/users/get?username=read', dora)).status).toBe(403);
      expect((await http('/api/2.0/mlflow/users/list', dora)).status).toBe(403);
      const promoted = await http('/api/2.0/mlflow/users/update-admin', {
        method: 'PATCH',
        ...admin,
        json: { username: 'dora', is_admin: true },
      });
      expect(promoted.status).toBe(200);
      // The flag takes effect on the next request, cache or not.
      expect((await http('/api/2.0/mlflow/users/list', dora)).status).toBe(200);
      const missing = await http('/api/2.0/mlflow/users/get?username=nobody-here', admin);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: 'User with username=nobody-here not found',
      });
    });

    it('serves MLflow’s permission endpoints to those who may manage the resource', async () => {
      const made = await http('/api/2.0/mlflow/experiments/create', {
        method: 'POST',
        headers: basic('edit'),
        json: { name: 'shared' },
      });
      const { experiment_id } = (await made.json()) as { experiment_id: string };
      const owner = { headers: basic('edit') }; // the creator got MANAGE
      const grant = await http('/api/2.0/mlflow/experiments/permissions/create', {
        method: 'POST',
        ...owner,
        json: { experiment_id, username: 'read', permission: 'READ' },
      });
      expect(await grant.json()).toEqual({
        experiment_permission: { experiment_id, user_id: expect.any(Number), permission: 'READ' },
      });
      expect(
        (
          await http(`/api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`, {
            headers: basic('read'),
          })
        ).status,
      ).toBe(200);
      // A reader may not manage permissions.
      expect(
        (
          await http(
            `/api/2.0/mlflow/experiments/permissions/get?experiment_id=${experiment_id}&username=read`,
            { headers: basic('read') },
          )
        ).status,
      ).toBe(403);
      const update = await http('/api/2.0/mlflow/experiments/permissions/update', {
        method: 'PATCH',
        ...owner,
        json: { experiment_id, username: 'read', permission: 'NO_PERMISSIONS' },
      });
      expect(update.status).toBe(200);
      expect(
        (
          await http(`/api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`, {
            headers: basic('read'),
          })
        ).status,
      ).toBe(403);
      const bad = await http('/api/2.0/mlflow/experiments/permissions/update', {
        method: 'PATCH',
        ...owner,
        json: { experiment_id, username: 'read', permission: 'WRITE' },
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toBe(
        "Invalid permission 'WRITE'. Valid permissions are: ('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')",
      );
      const removed = await http('/api/2.0/mlflow/experiments/permissions/delete', {
        method: 'DELETE',
        ...owner,
        json: { experiment_id, username: 'read' },
      });
      expect(removed.status).toBe(200);
      const absent = await http(
        `/api/2.0/mlflow/experiments/permissions/get?experiment_id=${experiment_id}&username=read`,
        owner,
      );
      expect(await absent.json()).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: `Experiment permission with experiment_id=${experiment_id} and username=read not found`,
      });
    });
  });
}
