import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlRegistryStore } from '@flowline/registry';
import { countConnections, createTestDatabase, testPostgresUrl } from '@flowline/testkit';
import type { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServerStores } from '../src/open-server-stores.js';
import { startServer } from '../src/start-server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-server-stores-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const databaseOf = (store: unknown) => (store as SqlTrackingStore | SqlRegistryStore).database;

describe('openServerStores', () => {
  it('creates tracking and registry on one database, migrated once, and closes it once', async () => {
    const uri = `sqlite:///${join(dir, 'one.db')}`;
    const stores = await openServerStores({
      backendStoreUri: uri,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    const database = databaseOf(stores.store);
    expect(databaseOf(stores.registry)).toBe(database);
    expect((stores.store as SqlTrackingStore).migration.applied).toHaveLength(3);
    // Every later migrate() on the handle answers the first report: the registry did not migrate again.
    expect(await database.migrate()).toBe((stores.store as SqlTrackingStore).migration);
    await stores.registry.createRegisteredModel({ name: 'shared' });
    expect((await stores.store.getExperiment('0')).name).toBe('Default');
    await stores.close();
    await expect(stores.store.getExperiment('0')).rejects.toThrow();
  });

  it('gives a different --registry-store-uri a database of its own', async () => {
    const stores = await openServerStores({
      backendStoreUri: `sqlite:///${join(dir, 'tracking.db')}`,
      registryStoreUri: `sqlite:///${join(dir, 'registry.db')}`,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    try {
      expect(databaseOf(stores.registry)).not.toBe(databaseOf(stores.store));
      expect(databaseOf(stores.registry).uri).toContain('registry.db');
    } finally {
      await stores.close();
    }
  });
});

describe.skipIf(!testPostgresUrl())('flowline server on Postgres', () => {
  it('holds one connection pool for tracking and registry', async () => {
    const database = await createTestDatabase();
    const applicationName = `flowline-pool-${randomBytes(4).toString('hex')}`;
    const url = new URL(database.uri);
    url.searchParams.set('application_name', applicationName);
    const server = await startServer({ backendStoreUri: url.toString(), port: 0, logLevel: 'silent' });
    try {
      // Each pool keeps the connection it last used open (idle): after starting (migrating, creating the default
      // experiment) and one request, one pool shows one connection, where a second pool for the registry, which
      // migrated through it, would show two. (A registry write runs queries side by side, so more follow.)
      expect(await countConnections(applicationName)).toBe(1);
      const api = `${server.url}/api/2.0/mlflow`;
      expect((await fetch(`${api}/experiments/get?experiment_id=0`)).status).toBe(200);
      expect(await countConnections(applicationName)).toBe(1);
      const model = await fetch(`${api}/registered-models/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'pooled' }),
      });
      expect(model.status).toBe(200);
      expect((await fetch(`${api}/registered-models/search`)).status).toBe(200);
    } finally {
      await server.close();
      await database.drop();
    }
    expect(await countConnections(applicationName)).toBe(0);
  });
});
