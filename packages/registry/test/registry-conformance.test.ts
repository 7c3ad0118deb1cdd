import { createSteppingClock } from '@flowline/core';
import { runRegistryConformance, storeTargets } from '@flowline/testkit';
import { SqlRegistryStore } from '../src/index.js';

for (const target of storeTargets()) {
  runRegistryConformance({
    name: `SqlRegistryStore on ${target.name}`,
    async create() {
      const database = await target.createDatabase();
      const store = await SqlRegistryStore.open(database.uri, { clock: createSteppingClock(Date.now()) });
      return {
        store,
        async cleanup() {
          await store.close();
          await database.drop();
        },
      };
    },
  });
}
