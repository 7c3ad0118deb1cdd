import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Location } from '../src/lib/router.js';

/** What a stubbed endpoint answers: a JSON body and its status (200 unless told). */
export type FetchHandler = (url: string, init?: RequestInit) => { status?: number; body: unknown };

/** One request the stub saw, with its JSON body parsed. */
export interface FetchCall {
  url: string;
  body?: unknown;
}

/**
 * Stubs `fetch` for every test of the file with `handler()` (read at call time, so a test may swap it),
 * records each request in the returned list (cleared before each test), and unmounts after each test.
 */
export function stubFetch(handler: () => FetchHandler): FetchCall[] {
  const calls: FetchCall[] = [];
  beforeEach(() => {
    calls.length = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
        const { status = 200, body } = handler()(url, init);
        return new Response(JSON.stringify(body), { status });
      }),
    );
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });
  return calls;
}

/** A router location for `href`, also put in the window's history (as navigating there would). */
export function at(href: string): Location {
  const url = new URL(href, 'http://localhost');
  window.history.replaceState(null, '', href);
  return { path: url.pathname, query: url.searchParams };
}
