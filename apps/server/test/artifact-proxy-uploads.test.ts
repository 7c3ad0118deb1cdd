import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createArtifactAccess } from '../src/index.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

let dir: string;
let dest: string;
let app: FastifyInstance;
let store: SqlTrackingStore;
let port: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-proxy-uploads-'));
  dest = join(dir, 'dest');
  await mkdir(dest);
  store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: 'mlflow-artifacts:/' });
  app = await buildServer({ store, artifacts: createArtifactAccess(dest) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  // fetch's keep-alive sockets may still be open; the uploads under test have all ended by now.
  app?.server.closeAllConnections();
  await app?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts a PUT on a raw socket: headers announcing `length` bytes, then `head`, and nothing more yet. */
function startPut(path: string, length: number, head: string): { socket: Socket; response: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `PUT ${PROXY}/${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Length: ${length}\r\nConnection: close\r\n\r\n${head}`,
  );
  let text = '';
  socket.on('data', (chunk) => (text += chunk));
  const response = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  return { socket, response };
}

/** Every entry under the destination, recursively. */
async function onDisk(): Promise<string[]> {
  return (await readdir(dest, { recursive: true })).map(String).sort();
}

const hasPartial = async () => (await onDisk()).some((p) => p.endsWith('.partial'));

/** Waits, by polling the folder rather than for a set time, until `condition` holds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the condition never held');
}

const get = (path: string) => fetch(`http://127.0.0.1:${port}${PROXY}/${path}`);

describe('artifact proxy uploads to a local destination', () => {
  it('serves the old file or none during a slow PUT, and the whole new file once it ends', async () => {
    await writeFile(join(dest, 'existing.txt'), 'old content');
    const replacing = startPut('existing.txt', 20, 'new-head|');
    const fresh = startPut('slow/fresh.txt', 20, 'new-head|');
    await until(async () => (await onDisk()).filter((p) => p.endsWith('.partial')).length === 2);

    const during = await get('existing.txt');
    expect(during.status).toBe(200);
    expect(await during.text()).toBe('old content');
    expect((await get('slow/fresh.txt')).status).toBe(404);
    const listing = await fetch(`http://127.0.0.1:${port}/api/2.0/mlflow-artifacts/artifacts?path=slow`);
    expect(await listing.json()).toEqual({});

    replacing.socket.write('new-tail-xx');
    fresh.socket.write('new-tail-xx');
    expect(await replacing.response).toMatch(/^HTTP\/1\.1 200/);
    expect(await fresh.response).toMatch(/^HTTP\/1\.1 200/);
    expect(await (await get('existing.txt')).text()).toBe('new-head|new-tail-xx');
    expect(await readFile(join(dest, 'slow', 'fresh.txt'), 'utf8')).toBe('new-head|new-tail-xx');
    expect(await hasPartial()).toBe(false);
  });

  it('stores nothing when the client goes away before sending Content-Length bytes', async () => {
    await writeFile(join(dest, 'kept.bin'), 'kept');
    const before = await onDisk();
    // One client vanishes (reset), the other closes its side early: both sent fewer bytes than announced.
    const vanished = startPut('aborted/new.bin', 100_000, 'x'.repeat(1000));
    const closed = startPut('kept.bin', 100_000, 'y'.repeat(1000));
    await until(async () => (await onDisk()).filter((p) => p.endsWith('.partial')).length === 2);
    vanished.socket.destroy();
    closed.socket.end();
    await Promise.all([vanished.response, closed.response]);
    await until(async () => !(await hasPartial()));

    expect(await onDisk()).toEqual(before);
    expect((await get('aborted/new.bin')).status).toBe(404);
    expect(await (await get('kept.bin')).text()).toBe('kept');
  });
});
