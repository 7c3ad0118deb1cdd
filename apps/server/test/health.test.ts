import { storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../src/index.js';

for (const target of storeTargets()) {
  describe(`GET /health on ${target.name}`, () => {
    it('answers OK while the database answers, and 503 once it does not', async () => {
      const database = await target.createDatabase();
      const store = await SqlTrackingStore.open(database.uri);
      const app = await buildServer({ store, webRoot: null });
      try {
        const ok = await app.inject({ method: 'GET', url: '/health' });
        expect([ok.statusCode, ok.body]).toEqual([200, 'OK']);
        // The store's own pool closes: a load balancer must stop sending this replica requests.
        await store.close();
        const down = await app.inject({ method: 'GET', url: '/health' });
        expect([down.statusCode, down.body]).toEqual([503, 'database unreachable']);
      } finally {
        await app.close();
        await database.drop();
      }
    });
  });
}
