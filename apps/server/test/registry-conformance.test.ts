import { RegistryClient } from '@flowline/client';
import { createSteppingClock } from '@flowline/core';
import { SqlRegistryStore } from '@flowline/registry';
import { runRegistryConformance, storeTargets } from '@flowline/testkit';
import { openDatabase, SqlTrackingStore } from '@flowline/tracking-store';
import { buildServer } from '../src/index.js';

// The registry suite through HTTP: RegistryClient → a real server on a loopback port → SqlRegistryStore.
// It lives beside the server because @flowline/client cannot depend on the server that depends on it.
for (const target of storeTargets()) {
  runRegistryConformance({
    name: `RegistryClient over HTTP on ${target.name}`,
    async create() {
      const database = await target.createDatabase();
      // One pool for both stores, as the server opens them.
      const db = await openDatabase(database.uri);
      const tracking = await SqlTrackingStore.create(db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
      const registry = await SqlRegistryStore.create(db, { clock: createSteppingClock(Date.now()) });
      const app = await buildServer({ store: tracking, registry, webRoot: null });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return {
        store: new RegistryClient(url, { maxRetries: 0 }),
        async cleanup() {
          await app.close();
          await db.close();
          await database.drop();
        },
      };
    },
  });
}
