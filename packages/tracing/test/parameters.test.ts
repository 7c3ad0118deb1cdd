import { describe, expect, it } from 'vitest';
import { inputsFromArguments, parameterNames } from '../src/parameters.js';

describe('parameterNames', () => {
  it('reads plain, default and rest parameters of every function form', () => {
    expect(
      parameterNames(function f(a: number, b = 2) {
        return a + b;
      }),
    ).toEqual(['a', 'b']);
    expect(parameterNames(async (query: string, opts = { k: [1, 2] }) => [query, opts])).toEqual([
      'query',
      'opts',
    ]);
    expect(parameterNames((x: number) => x)).toEqual(['x']);
    expect(parameterNames(((x: unknown) => x) as (x: never) => unknown)).toEqual(['x']);
    expect(parameterNames((first: string, ...rest: string[]) => [first, rest])).toEqual(['first', '...rest']);
    expect(parameterNames(() => 1)).toEqual([]);
    const object = {
      method(a: string, /* a comment, with a comma */ b: string) {
        return a + b;
      },
    };
    expect(parameterNames(object.method)).toEqual(['a', 'b']);
  });

  it('gives up on destructured parameters', () => {
    expect(parameterNames(({ question }: { question: string }) => question)).toBeUndefined();
    expect(parameterNames(([a, b]: number[]) => (a ?? 0) + (b ?? 0))).toBeUndefined();
  });
});

describe('inputsFromArguments', () => {
  it('maps arguments to names, collects a rest parameter and names extra arguments', () => {
    expect(inputsFromArguments([1, 2], ['a', 'b'])).toEqual({ a: 1, b: 2 });
    expect(inputsFromArguments([1], ['a', 'b'])).toEqual({ a: 1 });
    expect(inputsFromArguments([1, 2, 3], ['a', '...more'])).toEqual({ a: 1, more: [2, 3] });
    expect(inputsFromArguments([1, 2], ['a'])).toEqual({ a: 1, arg1: 2 });
  });

  it('without names, records a lone object argument itself, else the argument list', () => {
    expect(inputsFromArguments([{ question: 'q' }], undefined)).toEqual({ question: 'q' });
    expect(inputsFromArguments([[1], 2], undefined)).toEqual([[1], 2]);
  });
});
