import type { TrackingStore } from '@flowline/core';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildServer, type ServerOptions } from '../src/index.js';

/** A server on an in-memory SQLite store, for wire-format tests through `inject`. */
export async function memoryServer(options: Partial<ServerOptions> = {}): Promise<{
  app: FastifyInstance;
  store: TrackingStore;
  close(): Promise<void>;
}> {
  const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: '/srv/artifacts' });
  const app = await buildServer({ store, ...options });
  return {
    app,
    store,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Sends a request and returns status, parsed JSON body and headers. */
export async function call(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }> {
  const res = await app.inject({
    method,
    url,
    ...(payload === undefined
      ? {}
      : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, headers: res.headers, text: res.body };
}
