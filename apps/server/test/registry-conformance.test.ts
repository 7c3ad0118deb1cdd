import { RegistryClient } from '@flowline/client';
import { createSteppingClock } from '@flowline/core';
import { SqlRegistryStore } from '@flowline/registry';
import { runRegistryConformance, storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { buildServer } from '../src/index.js';

// The registry suite through HTTP: RegistryClient → a real server on a loopback port → SqlRegistryStore.
// It lives beside the server because @flowline/client cannot depend on the server that depends on it.
for (const target of storeTargets()) {
  runRegistryConformance({
    name: `RegistryClient over HTTP on ${target.name}`,
    async create() {
      const database = await target.createDatabase();
      const tracking = await SqlTrackingStore.open(database.uri, {
        defaultArtifactRoot: 'mlflow-artifacts:/',
      });
      const registry = await SqlRegistryStore.open(database.uri, { clock: createSteppingClock(Date.now()) });
      const app = await buildServer({ store: tracking, registry, webRoot: null });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return {
        store: new RegistryClient(url, { maxRetries: 0 }),
        async cleanup() {
          await app.close();
          await registry.close();
          await tracking.close();
          await database.drop();
        },
      };
    },
  });
}
