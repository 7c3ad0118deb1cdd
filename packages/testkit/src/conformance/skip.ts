import { it } from 'vitest';

/**
 * Tests of a suite that one implementation deliberately does not pass, by exact test name, each with the
 * reason (as hono's `runTest({ skip })`). Document every entry in `packages/testkit/README.md`.
 */
export type SkipList = Readonly<Record<string, string>>;

/**
 * Declares one test of a suite. A test the skip list names runs as an expected failure (`it.fails`, its
 * reason in the title): it passes while the implementation still differs and fails once it no longer
 * does, so the entry is removed. Nothing is ever reported as skipped, which CI refuses.
 */
export type SuiteTest = (name: string, body: () => Promise<void>) => void;

/** How a suite declares its tests: vitest's `it`, or a stand-in in the skip lists' own tests. */
export interface TestDeclarer {
  (name: string, body: () => Promise<void>): void;
  fails(name: string, body: () => Promise<void>): void;
}

/**
 * A `SuiteTest` for one run of a suite, and `done()` to call once every test is declared: it throws when
 * an entry has no reason or names no test of the suite, so a renamed test cannot leave a stale skip.
 */
export function skippable(
  skip: SkipList = {},
  declare: TestDeclarer = it,
): { test: SuiteTest; done(): void } {
  for (const [name, reason] of Object.entries(skip))
    if (reason.trim() === '') throw new Error(`The skip entry '${name}' needs a reason.`);
  const declared = new Set<string>();
  const test: SuiteTest = (name, body) => {
    if (declared.has(name)) throw new Error(`Two tests of one suite are named '${name}'.`);
    declared.add(name);
    const reason = skip[name];
    if (reason === undefined) declare(name, body);
    else declare.fails(`${name} [differs deliberately: ${reason}]`, body);
  };
  const done = () => {
    const unknown = Object.keys(skip).filter((name) => !declared.has(name));
    if (unknown.length > 0)
      throw new Error(`The skip list names tests this suite does not have: ${unknown.join('; ')}`);
  };
  return { test, done };
}
