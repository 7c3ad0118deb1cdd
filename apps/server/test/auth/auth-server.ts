import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlAuthStore } from '@flowline/auth';
import { SqlRegistryStore } from '@flowline/registry';
import { createTestDatabase, type StoreTarget } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { buildServer, createArtifactAccess, type ServerAuth } from '../../src/index.js';

/** The roles of the auth tests: a user per permission level on the shared resources, and an admin. */
export const ROLES = ['none', 'read', 'edit', 'manage', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** The permission each role holds on resources made with `grantRoles`. */
export const ROLE_PERMISSION: Record<Exclude<Role, 'admin'>, string> = {
  none: 'NO_PERMISSIONS',
  read: 'READ',
  edit: 'EDIT',
  manage: 'MANAGE',
};

export const passwordOf = (username: string): string => `password-for-${username}`;
/** MLflow's Python client's header for MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (requests' HTTPBasicAuth). */
export const basic = (username: string, password = passwordOf(username)): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
});

/** A server with basic auth on real stores: tracking and registry in one database, auth in its own. */
export interface AuthServer {
  app: FastifyInstance;
  tracking: SqlTrackingStore;
  registry: SqlRegistryStore;
  auth: SqlAuthStore;
  dir: string;
  /** Gives each role its permission on an experiment and a registered model (by name). */
  grantRoles(resources: { experimentId?: string; model?: string }): Promise<void>;
  close(): Promise<void>;
}

export async function authServer(
  target: StoreTarget,
  options: { defaultPermission?: ServerAuth['config']['defaultPermission']; auth?: Partial<ServerAuth> } = {},
): Promise<AuthServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-auth-server-'));
  const database = await target.createDatabase();
  const authDatabase =
    target.name === 'postgres'
      ? await createTestDatabase({ template: false })
      : { uri: `sqlite:///${join(dir, 'basic_auth.db')}`, drop: async () => {} };
  const tracking = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  const registry = await SqlRegistryStore.open(database.uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  const auth = await SqlAuthStore.open(authDatabase.uri);
  for (const role of ROLES) await auth.createUser(role, passwordOf(role), { isAdmin: role === 'admin' });
  const app = await buildServer({
    store: tracking,
    registry,
    artifacts: createArtifactAccess(join(dir, 'proxy')),
    webRoot: null,
    auth: {
      store: auth,
      config: {
        defaultPermission: options.defaultPermission ?? 'READ',
        authCacheTtlSeconds: 30,
        authCacheMaxSize: 100,
      },
      ...options.auth,
    },
  });
  return {
    app,
    tracking,
    registry,
    auth,
    dir,
    async grantRoles({ experimentId, model }) {
      for (const [role, permission] of Object.entries(ROLE_PERMISSION)) {
        if (experimentId !== undefined) await auth.createExperimentPermission(experimentId, role, permission);
        if (model !== undefined) await auth.createRegisteredModelPermission(model, role, permission);
      }
    },
    async close() {
      await app.close();
      await registry.close();
      await tracking.close();
      await auth.close();
      await database.drop();
      await authDatabase.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One request over real HTTP: JSON bodies for payloads, the answer's status, text, JSON and headers. */
export async function send(
  url: string,
  method: string,
  path: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; body: any; headers: Record<string, string> }> {
  const res = await fetch(url + path, {
    method,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: Object.fromEntries(res.headers) };
}
