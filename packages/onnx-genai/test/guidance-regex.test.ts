import { describe, expect, it } from 'vitest';
import { GrammarEngine } from '../src/guidance/grammar.js';
import { parseRegex } from '../src/guidance/regex.js';
import { GenaiError, seededRandom } from '../src/index.js';

const matcher = (pattern: string) => {
  const engine = new GrammarEngine({ rules: [parseRegex(pattern)], start: 0 });
  return (text: string) => engine.walk(engine.initial, text)?.complete === true;
};

const CASES: [string, string[], string[]][] = [
  ['abc', ['abc'], ['', 'ab', 'abcd', 'abd']],
  ['a|bc|', ['a', 'bc', ''], ['b', 'abc']],
  ['[a-z\\d]+', ['a1', 'zz9'], ['', 'A', 'a-']],
  ['[^a-c]x', ['dx', ' x', '日x'], ['ax', 'cx', 'x']],
  ['\\d{3}-\\d{2,}', ['123-45', '000-12345'], ['12-34', '123-4']],
  ['(ab){1,2}c?', ['ab', 'abab', 'ababc'], ['abc ', 'ababab', 'c']],
  ['\\w+\\s\\w*', ['ab ', 'a_1 b'], ['ab', ' b']],
  ['^(?:x|y)*$', ['', 'xyx'], ['z']],
  ['a.c', ['abc', 'a c'], ['a\nc', 'ac']],
  ['\\.\\*\\\\', ['.*\\'], ['a*\\']],
  ['[\\]\\-a]+', [']-a'], ['b']],
  ['\\u0041\\x42', ['AB'], ['ab']],
  ['(?<year>\\d{4})-(0[1-9]|1[0-2])', ['2024-01', '1999-12'], ['2024-13', '2024-1']],
  ['x{2}y{0,1}z{1,}', ['xxz', 'xxyzz'], ['xz', 'xxyy']],
  ['😀+', ['😀😀'], ['😀x']],
];

describe('guidance regex', () => {
  it.each(CASES)('/%s/ accepts and rejects whole strings', (pattern, good, bad) => {
    const match = matcher(pattern);
    for (const s of good) expect(match(s), `${pattern} on ${JSON.stringify(s)}`).toBe(true);
    for (const s of bad) expect(match(s), `${pattern} on ${JSON.stringify(s)}`).toBe(false);
  });

  it('agrees with RegExp on random strings', () => {
    const random = seededRandom(3);
    const alphabet = ['a', 'b', 'c', '1', '-', ' ', '.'];
    for (const [pattern] of CASES.filter(([p]) => !p.includes('😀'))) {
      const match = matcher(pattern);
      const reference = new RegExp(`^(?:${pattern})$`, 'u');
      for (let k = 0; k < 300; k++) {
        const text = Array.from(
          { length: Math.floor(random() * 7) },
          () => alphabet[Math.floor(random() * 7)],
        ).join('');
        expect(match(text), `${pattern} on ${JSON.stringify(text)}`).toBe(reference.test(text));
      }
    }
  });

  it('tells live prefixes from dead ones', () => {
    const engine = new GrammarEngine({ rules: [parseRegex('ab+c')], start: 0 });
    expect(engine.walk(engine.initial, 'abb')?.complete).toBe(false);
    expect(engine.walk(engine.initial, 'ac')).toBeNull();
    const held = engine.walk(engine.initial, 'ab');
    engine.reset(); // dropped caches: held states still step, new walks rebuild
    expect(engine.walk(held, 'bc')?.complete).toBe(true);
    expect(engine.walk(engine.initial, 'abc')?.complete).toBe(true);
    expect(engine.walk(engine.initial, 'ab')).not.toBe(held);
  });

  it.each(['a(b', '*a', '\\bword', '(?=x)', '[b-a]', 'a{3,1}', '(a)\\1'])('refuses /%s/', (pattern) => {
    expect(() => parseRegex(pattern)).toThrow(GenaiError);
  });
});
