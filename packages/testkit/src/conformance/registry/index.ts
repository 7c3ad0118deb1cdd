import type { RegistryStore } from '@flowline/core';
import { afterAll, beforeAll, describe } from 'vitest';
import { type SkipList, skippable } from '../skip.js';
import { registeredModelSuite } from './models.js';
import { modelsUriSuite } from './models-uris.js';
import { registrySearchSuite } from './search.js';
import { stageAndAliasSuite } from './stages-aliases.js';
import { modelVersionSuite } from './versions.js';

/** What `runRegistryConformance` runs against. */
export interface RegistryConformanceOptions {
  /** Names the implementation in the suite's title. */
  name: string;
  /**
   * Opens an empty store, and how to close it. Give the store a clock that moves on at every reading
   * (`createSteppingClock`), so "newest first" never hangs on two writes in one millisecond.
   */
  create(): Promise<{ store: RegistryStore; cleanup(): Promise<void> }>;
  /** Deliberate differences of this implementation: exact test name → why. */
  skip?: SkipList;
}

/**
 * The model-registry conformance suite: MLflow's registry semantics (models, versions, stages, aliases,
 * tags, search, `models:/` URIs and error codes), run against any `RegistryStore`.
 */
export function runRegistryConformance(options: RegistryConformanceOptions): void {
  describe(`RegistryStore conformance: ${options.name}`, () => {
    let store: RegistryStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ store, cleanup } = await options.create());
    });
    afterAll(async () => {
      await cleanup?.();
    });
    const getStore = () => store;
    const { test, done } = skippable(options.skip);
    registeredModelSuite(getStore, test);
    modelVersionSuite(getStore, test);
    stageAndAliasSuite(getStore, test);
    registrySearchSuite(getStore, test);
    modelsUriSuite(getStore, test);
    done();
  });
}
