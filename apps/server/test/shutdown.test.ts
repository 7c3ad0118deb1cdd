import type { TrackingStore } from '@flowline/core';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../src/index.js';

describe('graceful shutdown', () => {
  it('lets in-flight requests finish before closing, and refuses new connections after', async () => {
    const store = await SqlTrackingStore.open('sqlite://');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    // A store whose searchExperiments waits until the test lets it go, to hold a request in flight.
    const slow = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'searchExperiments') {
          return async (...args: Parameters<TrackingStore['searchExperiments']>) => {
            entered();
            await gate;
            return target.searchExperiments(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = await buildServer({ store: slow });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const inFlight = fetch(`${url}/api/2.0/mlflow/experiments/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ max_results: 10 }),
    });
    await inside;
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { experiments: { name: string }[] }).experiments[0]!.name).toBe(
      'Default',
    );
    await closing;
    expect(closed).toBe(true);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await store.close();
  });
});
