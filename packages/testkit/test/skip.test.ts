import { describe, expect, it } from 'vitest';
import { skippable } from '../src/conformance/skip.js';

const caught = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

// Sample suites, declared inside a skipped describe so their tests never run; what declaring them threw
// is checked below.
let stale: unknown;
let repeated: unknown;
describe.skip('sample suites', () => {
  const stalePart = skippable({ 'renamed test': 'why' });
  stalePart.test('a test', async () => {});
  stale = caught(() => stalePart.done());
  const repeatedPart = skippable();
  repeatedPart.test('twice', async () => {});
  repeated = caught(() => repeatedPart.test('twice', async () => {}));
});

describe('skip lists of conformance suites', () => {
  it('refuses an entry without a reason', () => {
    expect(() => skippable({ 'some test': ' ' })).toThrow(/needs a reason/);
  });

  it('refuses, once the suite is declared, an entry that names no test of it', () => {
    expect(String(stale)).toMatch(/does not have: renamed test/);
  });

  it('refuses two tests of one suite with one name', () => {
    expect(String(repeated)).toMatch(/Two tests/);
  });
});
