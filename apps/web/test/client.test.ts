import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api } from '../src/api/client.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Stubs `fetch` with one answer; returns the URLs and inits it was called with. */
function answer(status: number, body: unknown): { url: string; init: RequestInit }[] {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status });
  });
  return calls;
}

describe('api()', () => {
  it('calls under the 2.0 prefix by default, and under another prefix with a route’s :name filled', async () => {
    const calls = answer(200, { trace: { trace_info: {} } });
    await api('GET /runs/get', { run_id: 'r1' });
    await api('GET /traces/:trace_id', {}, undefined, {
      prefix: '/ajax-api/3.0/mlflow',
      params: { trace_id: 'tr-a/b' },
    });
    expect(calls.map((c) => c.url)).toEqual([
      '/ajax-api/2.0/mlflow/runs/get?run_id=r1',
      '/ajax-api/3.0/mlflow/traces/tr-a%2Fb',
    ]);
  });

  it("turns MLflow's error answers into ApiErrors", async () => {
    answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No trace tr-1' });
    const error = await api('GET /traces/:trace_id', {}, undefined, {
      prefix: '/ajax-api/3.0/mlflow',
      params: { trace_id: 'tr-1' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'RESOURCE_DOES_NOT_EXIST', message: 'No trace tr-1' });
  });

  it('refuses a route whose path value is missing', () => {
    expect(() => api('GET /traces/:trace_id', {})).toThrow('GET /traces/:trace_id: no value for :trace_id');
  });
});
