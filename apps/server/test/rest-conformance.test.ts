import { TrackingClient } from '@flowline/client';
import { storeTargets, trackingStoreConformance } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { buildServer } from '../src/index.js';

// The same conformance suite as the SQL store, through HTTP: client → real server on a loopback port → store.
for (const target of storeTargets()) {
  trackingStoreConformance(`TrackingClient over HTTP on ${target.name}`, async () => {
    const database = await target.createDatabase();
    const store = await SqlTrackingStore.open(database.uri, {
      defaultArtifactRoot: '/tmp/flowline-artifacts',
    });
    const app = await buildServer({ store });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new TrackingClient(url, { maxRetries: 0 });
    return {
      store: client,
      async cleanup() {
        await app.close();
        await store.close();
        await database.drop();
      },
    };
  });
}
