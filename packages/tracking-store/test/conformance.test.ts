import { storeTargets, trackingStoreConformance } from '@flowline/testkit';
import { SqlTrackingStore } from '../src/index.js';

for (const target of storeTargets()) {
  trackingStoreConformance(`SqlTrackingStore on ${target.name}`, async () => {
    const database = await target.createDatabase();
    const store = await SqlTrackingStore.open(database.uri, {
      defaultArtifactRoot: '/tmp/flowline-artifacts',
    });
    return {
      store,
      async cleanup() {
        await store.close();
        await database.drop();
      },
    };
  });
}
