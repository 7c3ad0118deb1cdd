import type { TrackingStore } from '@flowline/core';
import { afterAll, beforeAll, describe } from 'vitest';
import { datasetSuite } from './datasets.js';
import { experimentSuite } from './experiments.js';
import type { StoreFactory } from './harness.js';
import { loggingSuite } from './logging.js';
import { runSuite } from './runs.js';
import { searchRunsSuite } from './search-runs.js';
import { type SkipList, skippable } from './skip.js';

/**
 * The tracking-store conformance suite: every rule of MLflow's tracking semantics that Flowline promises,
 * run against any `TrackingStore` (the SQL store on each dialect, and the REST client over HTTP); `skip`
 * names deliberate differences of one implementation (exact test name → why).
 */
export function trackingStoreConformance(label: string, factory: StoreFactory, skip?: SkipList): void {
  describe(`TrackingStore conformance: ${label}`, () => {
    let store: TrackingStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(async () => {
      await cleanup?.();
    });
    const getStore = () => store;
    const { test, done } = skippable(skip);
    experimentSuite(getStore, test);
    runSuite(getStore, test);
    loggingSuite(getStore, test);
    datasetSuite(getStore, test);
    searchRunsSuite(getStore, test);
    done();
  });
}
