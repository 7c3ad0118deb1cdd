import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlRegistryStore } from '@flowline/registry';
import type { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, openStore } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-open-store-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('openRegistry beside openStore', () => {
  it("creates the registry on the tracking store's database for the same URI, and leaves closing it to the store", async () => {
    const uri = `sqlite:///${join(dir, 'shared.db')}`;
    const store = (await openStore(uri)) as SqlTrackingStore;
    const registry = (await openRegistry(uri, { trackingStore: store })) as SqlRegistryStore;
    expect(registry.database).toBe(store.database);
    await registry.createRegisteredModel({ name: 'm' });
    await registry.close();
    expect((await store.getExperiment('0')).name).toBe('Default');
    await store.close();
    await expect(store.getExperiment('0')).rejects.toThrow();
  });

  it('opens a database of its own for another URI or without the tracking store', async () => {
    const uri = `sqlite:///${join(dir, 'tracking.db')}`;
    const store = (await openStore(uri)) as SqlTrackingStore;
    const other = (await openRegistry(`sqlite:///${join(dir, 'other.db')}`, {
      trackingStore: store,
    })) as SqlRegistryStore;
    const alone = (await openRegistry(uri)) as SqlRegistryStore;
    try {
      expect(other.database).not.toBe(store.database);
      expect(alone.database).not.toBe(store.database);
    } finally {
      await Promise.all([other.close(), alone.close(), store.close()]);
    }
  });
});
