import { buildServer, ROUTE_SCHEMAS, type RouteOutput } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AssessmentJson,
  TRACE_ARTIFACT_URL,
  TRACE_ENDPOINTS,
  TRACES_V3_PREFIX,
  type TraceInfoJson,
} from '../src/api/traces.js';

describe("the trace views' API calls", () => {
  it('are served where MLflow serves them: v3 under /ajax-api/3.0, the span data under /ajax-api/2.0', async () => {
    const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: '/tmp/unused' });
    const app = await buildServer({ store, webRoot: null });
    try {
      const missing = TRACE_ENDPOINTS.filter((route) => {
        const [method, path] = route.split(' ') as ['GET' | 'POST', string];
        return !app.hasRoute({ method, url: TRACES_V3_PREFIX + path });
      });
      expect(missing).toEqual([]);
      expect(app.hasRoute({ method: 'GET', url: TRACE_ARTIFACT_URL })).toBe(true);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it("are typed from the server's route schemas", () => {
    expect(Object.keys(ROUTE_SCHEMAS)).toEqual(expect.arrayContaining([...TRACE_ENDPOINTS]));
    type Defined<T> = Exclude<T, undefined>;
    expectTypeOf<
      Defined<RouteOutput<'POST /traces/search'>['traces']>[number]
    >().toEqualTypeOf<TraceInfoJson>();
    expectTypeOf<
      RouteOutput<'POST /traces/:trace_id/assessments'>['assessment']
    >().toEqualTypeOf<AssessmentJson>();
    expectTypeOf<TraceInfoJson['state']>().toEqualTypeOf<
      'STATE_UNSPECIFIED' | 'OK' | 'ERROR' | 'IN_PROGRESS'
    >();
  });
});
