import type {
  WireDatasetInput,
  WireExperiment,
  WireMetric,
  WireModelVersion,
  WireRegisteredModel,
  WireRun,
  WireRunInfo,
} from '@flowline/core';
import type { Static } from '@sinclair/typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  ExperimentOut,
  ModelVersionOut,
  RegisteredModelOut,
  Responses,
  RunInfoOut,
  RunOut,
} from '../src/schemas.js';

type Defined<T> = Exclude<T, undefined>;

// Each wire shape is declared once, in core (the REST client reads it too); the response schemas are what
// fastify serialises with, so their static types must be exactly core's. A drift fails the typecheck.
describe('response schemas', () => {
  it("have exactly core's wire types", () => {
    expectTypeOf<Static<typeof ExperimentOut>>().toEqualTypeOf<WireExperiment>();
    expectTypeOf<Static<typeof RunInfoOut>>().toEqualTypeOf<WireRunInfo>();
    expectTypeOf<Static<typeof RunOut>>().toEqualTypeOf<WireRun>();
    expectTypeOf<Defined<Static<typeof Responses.metrics>['metrics']>[number]>().toEqualTypeOf<WireMetric>();
    expectTypeOf<
      Defined<Static<typeof RunOut>['inputs']['dataset_inputs']>[number]
    >().toEqualTypeOf<WireDatasetInput>();
    expectTypeOf<Static<typeof ModelVersionOut>>().toEqualTypeOf<WireModelVersion>();
    expectTypeOf<Static<typeof RegisteredModelOut>>().toEqualTypeOf<WireRegisteredModel>();
  });
});
