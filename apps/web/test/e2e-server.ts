import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
