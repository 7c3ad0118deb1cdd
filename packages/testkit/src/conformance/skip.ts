import { it } from 'vitest';

/**
 * Tests of a suite that one implementation deliberately does not pass, by exact test name, each with the
 * reason (as hono's `runTest({ skip })`). Document every entry in `packages/testkit/README.md`.
 */
export type SkipList = Readonly<Record<string, string>>;

/** Declares one test of a suite; skipped (with its reason in the title) when the skip list names it. */
export type SuiteTest = (name: string, body: () => Promise<void>) => void;

/**
 * A `SuiteTest` for one run of a suite, and `done()` to call once every test is declared: it throws when
 * an entry has no reason or names no test of the suite, so a renamed test cannot leave a stale skip.
 */
export function skippable(skip: SkipList = {}): { test: SuiteTest; done(): void } {
  for (const [name, reason] of Object.entries(skip))
    if (reason.trim() === '') throw new Error(`The skip entry '${name}' needs a reason.`);
  const declared = new Set<string>();
  const test: SuiteTest = (name, body) => {
    if (declared.has(name)) throw new Error(`Two tests of one suite are named '${name}'.`);
    declared.add(name);
    const reason = skip[name];
    if (reason === undefined) it(name, body);
    else it.skip(`${name} [skipped: ${reason}]`, body);
  };
  const done = () => {
    const unknown = Object.keys(skip).filter((name) => !declared.has(name));
    if (unknown.length > 0)
      throw new Error(`The skip list names tests this suite does not have: ${unknown.join('; ')}`);
  };
  return { test, done };
}
