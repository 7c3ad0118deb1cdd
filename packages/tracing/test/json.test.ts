import { describe, expect, it } from 'vitest';
import { fromAttributeJson, toAttributeJson } from '../src/index.js';

describe('toAttributeJson', () => {
  it('encodes as MLflow stores attributes, JSON strings', () => {
    expect(toAttributeJson('LLM')).toBe('"LLM"');
    expect(toAttributeJson({ a: [1, true, null] })).toBe('{"a":[1,true,null]}');
    expect(toAttributeJson(undefined)).toBe('null');
  });

  it('never throws: bigints, errors, maps, sets, typed arrays and cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const shared = { x: 1 };
    const map = new Map<string, unknown>([['k', 1n]]);
    map.set('again', map);
    expect(JSON.parse(toAttributeJson(cyclic))).toEqual({ name: 'loop', self: '[Circular]' });
    expect(JSON.parse(toAttributeJson([shared, shared]))).toEqual([{ x: 1 }, { x: 1 }]);
    expect(JSON.parse(toAttributeJson(map))).toEqual({ k: '1', again: '[Circular]' });
    expect(JSON.parse(toAttributeJson(new Set([1, 2])))).toEqual([1, 2]);
    expect(JSON.parse(toAttributeJson(new Float32Array([0.5])))).toEqual([0.5]);
    expect(JSON.parse(toAttributeJson(new TypeError('bad')))).toEqual({ name: 'TypeError', message: 'bad' });
    expect(JSON.parse(toAttributeJson({ f: () => 1, d: new Date(0) }))).toEqual({
      d: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('fromAttributeJson', () => {
  it('decodes JSON and returns anything else as is', () => {
    expect(fromAttributeJson('"LLM"')).toBe('LLM');
    expect(fromAttributeJson('{"a":1}')).toEqual({ a: 1 });
    expect(fromAttributeJson('not json')).toBe('not json');
    expect(fromAttributeJson(3)).toBe(3);
  });
});
