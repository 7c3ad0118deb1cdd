import { describe, expect, it } from 'vitest';
import {
  isMlflowError,
  Limits,
  normalizePosixPath,
  validateArtifactLocation,
  validateBatchLimits,
  validateKey,
  validateMetric,
  validateParam,
} from '../src/index.js';

describe('normalizePosixPath (Python posixpath.normpath)', () => {
  it.each([
    ['a/b', 'a/b'],
    ['a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/b/', 'a/b'],
    ['a/../b', 'b'],
    ['../a', '../a'],
    ['/../a', '/a'],
    ['//a', '//a'],
    ['///a', '/a'],
    ['', '.'],
    ['.', '.'],
    ['a/..', '.'],
  ])('%j → %j', (input, expected) => {
    expect(normalizePosixPath(input)).toBe(expected);
  });
});

describe('validateKey', () => {
  it.each(['loss', 'train/loss', 'val loss', 'a-b_c.d', 'ns:key', 'Ünïcode', '日本語'])(
    'accepts %j',
    (key) => {
      expect(validateKey('metric', key)).toBe(key);
    },
  );

  it.each(['a!', 'a\\b', 'a\nb', '../a', 'a/../b', '/a', 'a/', 'a//b', '.', 'x'.repeat(251), 'semi;colon'])(
    'refuses %j with INVALID_PARAMETER_VALUE',
    (key) => {
      try {
        validateKey('param', key);
        expect.unreachable();
      } catch (error) {
        expect(isMlflowError(error) && error.errorCode).toBe('INVALID_PARAMETER_VALUE');
        expect((error as Error).message).toMatch(/param/);
      }
    },
  );

  it('says what is missing when no key is given', () => {
    expect(() => validateKey('tag', undefined)).toThrow(/Missing value for required parameter 'key'/);
    expect(() => validateKey('tag', '')).toThrow(/Missing value/);
  });
});

describe('value rules', () => {
  it('bounds param values at 6000 characters', () => {
    expect(validateParam({ key: 'p', value: 'x'.repeat(Limits.maxParamValueLength) }).value).toHaveLength(
      6000,
    );
    expect(() => validateParam({ key: 'p', value: 'x'.repeat(6001) })).toThrow(/6000/);
  });

  it('takes NaN and infinities as metric values but not strings or booleans', () => {
    expect(validateMetric({ key: 'm', value: Number.NaN, timestamp: 0, step: 0 }).value).toBeNaN();
    expect(validateMetric({ key: 'm', value: -Infinity, timestamp: 0, step: 0 }).value).toBe(-Infinity);
    expect(() =>
      validateMetric({ key: 'm', value: true as unknown as number, timestamp: 0, step: 0 }),
    ).toThrow(/number/);
    expect(() => validateMetric({ key: 'm', value: 1, timestamp: 1.5, step: 0 })).toThrow(/timestamp/);
    expect(validateMetric({ key: 'm', value: 1, timestamp: 1 } as never).step).toBe(0);
  });

  it('states the limit and the count for oversized batches', () => {
    expect(() => validateBatchLimits(1001, 0, 0)).toThrow(/at most 1000 metrics\. Got 1001 metrics/);
    expect(() => validateBatchLimits(0, 101, 0)).toThrow(/at most 100 params/);
    expect(() => validateBatchLimits(0, 0, 101)).toThrow(/at most 100 tags/);
    expect(() => validateBatchLimits(901, 100, 0)).toThrow(/in total\. Got 1001/);
    expect(() => validateBatchLimits(1000, 0, 0)).not.toThrow();
  });

  it("checks artifact locations as MLflow's create-experiment handler and store do", () => {
    expect(() => validateArtifactLocation('runs:/abc/model')).toThrow(
      "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/model'",
    );
    for (const location of ['http://host#/abc/etc/', 'http://host/;..%2F..%2Fetc', 's3://b/p#frag']) {
      expect(() => validateArtifactLocation(location), location).toThrow(
        "'artifact_location' URL can't include fragments or params.",
      );
    }
    expect(() => validateArtifactLocation('s3://b/p?x=..%2F..')).toThrow('Invalid query string');
    // ';' is only a params separator for the schemes Python's urlparse knows to use them.
    expect(validateArtifactLocation('s3://b/p;v=1')).toBe('s3://b/p;v=1');
    expect(validateArtifactLocation('s3://b/p?x=1')).toBe('s3://b/p?x=1');
    // Relative local locations resolve against the working folder: a plain path stays plain, file: stays file:.
    expect(validateArtifactLocation('/local/path', '/srv')).toBe('/local/path');
    expect(validateArtifactLocation('my_location', '/srv')).toBe('/srv/my_location');
    expect(validateArtifactLocation('./a/./b/../c', '/srv')).toBe('/srv/a/b/../c');
    expect(validateArtifactLocation('file:rel/dir', '/srv')).toBe('file:///srv/rel/dir');
    expect(validateArtifactLocation('file:///abs', '/srv')).toBe('file:///abs');
    expect(validateArtifactLocation('mlflow-artifacts:/x', '/srv')).toBe('mlflow-artifacts:/x');
  });
});
