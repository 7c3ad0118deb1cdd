/** A source of the current time in Unix milliseconds; tests inject a fixed one. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that returns `start` and advances by `stepMs` on every read (for tests). */
export function createSteppingClock(start: number, stepMs = 1): Clock {
  let t = start;
  return {
    now: () => {
      const v = t;
      t += stepMs;
      return v;
    },
  };
}
