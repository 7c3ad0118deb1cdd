import { isMlflowError, type TrackingStore } from '@flowline/core';
import { expect } from 'vitest';

/** Opens a store for a suite and closes it afterwards. */
export type StoreFactory = () => Promise<{ store: TrackingStore; cleanup(): Promise<void> }>;

let counter = 0;
/** A name no other test in this run uses (suites share one database per file). */
export function uniqueName(prefix = 'exp'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Asserts that `promise` rejects with an MlflowError of `code` whose message matches `message`. */
export async function expectMlflowError(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp | string,
): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the call to fail').toBeDefined();
  if (!isMlflowError(caught)) throw caught;
  expect(caught.errorCode).toBe(code);
  if (message !== undefined) expect(caught.message).toMatch(message);
}
