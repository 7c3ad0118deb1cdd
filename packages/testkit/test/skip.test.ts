import { describe, expect, it } from 'vitest';
import { skippable, type TestDeclarer } from '../src/conformance/skip.js';

// Records what a suite declares instead of declaring vitest tests, so these cases skip nothing.
function recorder(): TestDeclarer & { declared: string[] } {
  const declared: string[] = [];
  const plain = (name: string): void => {
    declared.push(`it ${name}`);
  };
  const fails = (name: string): void => {
    declared.push(`fails ${name}`);
  };
  return Object.assign(plain, { fails, declared });
}

describe('skip lists of conformance suites', () => {
  it('refuses an entry without a reason', () => {
    expect(() => skippable({ 'some test': ' ' })).toThrow(/needs a reason/);
  });

  it('declares a listed test as an expected failure with its reason, and the rest as plain tests', () => {
    const declare = recorder();
    const part = skippable({ 'differs here': 'the REST API has no such field' }, declare);
    part.test('works everywhere', async () => {});
    part.test('differs here', async () => {});
    part.done();
    expect(declare.declared).toEqual([
      'it works everywhere',
      'fails differs here [differs deliberately: the REST API has no such field]',
    ]);
  });

  it('refuses, once the suite is declared, an entry that names no test of it', () => {
    const part = skippable({ 'renamed test': 'why' }, recorder());
    part.test('a test', async () => {});
    expect(() => part.done()).toThrow(/does not have: renamed test/);
  });

  it('refuses two tests of one suite with one name', () => {
    const part = skippable({}, recorder());
    part.test('twice', async () => {});
    expect(() => part.test('twice', async () => {})).toThrow(/Two tests/);
  });
});

// A listed test whose implementation still differs passes as an expected failure; once the difference is
// fixed the test fails, telling whoever fixed it to drop the entry.
describe('an expected failure from a skip list', () => {
  const part = skippable({ 'still differs': 'kept to show the mechanism' });
  part.test('still differs', async () => {
    throw new Error('this implementation answers differently');
  });
  part.done();
});
