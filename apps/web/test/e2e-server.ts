import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqlAuthStore } from '@flowline/auth';
import { SqlRegistryStore } from '@flowline/registry';
import { buildServer, createArtifactAccess } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';

/** The built UI that the server serves in these tests. */
export const WEB_DIST = fileURLToPath(new URL('../dist', import.meta.url));

/** A real server on a loopback port with a SQLite store, the registry and the built UI. */
export interface TestServer {
  url: string;
  dir: string;
  tracking: SqlTrackingStore;
  /** Calls the REST API; throws on an error answer. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read MLflow's JSON loosely.
  api(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/** Starts the server on port 0. */
export async function startTestServer(): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-web-e2e-'));
  const uri = `sqlite:///${dir}/mlflow.db`;
  const tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: join(dir, 'mlruns') });
  const registry = await SqlRegistryStore.open(uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  const app = await buildServer({
    store: tracking,
    registry,
    webRoot: WEB_DIST,
    artifacts: createArtifactAccess(join(dir, 'mlartifacts')),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/2.0/mlflow${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    dir,
    tracking,
    api,
    async close() {
      await app.close();
      await registry.close();
      await tracking.close();
    },
  };
}

/** A real server on a loopback port with MLflow's basic auth in front: an `admin` user, others READ by default. */
export interface AuthTestServer {
  url: string;
  dir: string;
  tracking: SqlTrackingStore;
  registry: SqlRegistryStore;
  auth: SqlAuthStore;
  /** The password of `user` in these tests (the admin's, and whatever users a test creates). */
  password(user: string): string;
  /** Calls the REST API as `user` with Basic credentials; throws on an error answer, with its status. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read MLflow's JSON loosely.
  api(user: string, method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/** Starts a server with basic auth on port 0, with an admin user `admin`. */
export async function startAuthTestServer(): Promise<AuthTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-web-auth-'));
  const uri = `sqlite:///${dir}/mlflow.db`;
  const tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  const registry = await SqlRegistryStore.open(uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  const auth = await SqlAuthStore.open(`sqlite:///${dir}/basic_auth.db`);
  const password = (user: string) => `secret-of-${user}`;
  await auth.createUser('admin', password('admin'), { isAdmin: true });
  const app = await buildServer({
    store: tracking,
    registry,
    webRoot: WEB_DIST,
    artifacts: createArtifactAccess(join(dir, 'mlartifacts')),
    auth: {
      store: auth,
      config: { defaultPermission: 'READ', authCacheTtlSeconds: 30, authCacheMaxSize: 100 },
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const api = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/2.0/mlflow${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${password(user)}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // The auth layer answers a refusal as plain text ("Permission denied"), as MLflow's does.
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    url,
    dir,
    tracking,
    registry,
    auth,
    password,
    api,
    async close() {
      await app.close();
      await registry.close();
      await tracking.close();
      await auth.close();
    },
  };
}

/** Writes a file into a run's artifacts (a local folder in these tests). */
export async function writeArtifact(
  artifactUri: string,
  path: string,
  content: string | Uint8Array,
): Promise<void> {
  const root = artifactUri.startsWith('file://') ? fileURLToPath(artifactUri) : artifactUri;
  const file = join(root, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** A 2×2 red PNG. */
export const TINY_PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR4nGP8z8DAwMDAxMDAwAAAHQQCAdBPqdsAAAAASUVORK5CYII=',
    'base64',
  ),
);
