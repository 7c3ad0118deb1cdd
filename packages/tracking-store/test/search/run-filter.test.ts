import { isMlflowError } from '@flowline/core';
import { describe, expect, it } from 'vitest';
import { parseRunFilter } from '../../src/search/run-filter.js';

function parseError(filter: string): string {
  try {
    parseRunFilter(filter);
  } catch (error) {
    if (!isMlflowError(error)) throw error;
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    return error.message;
  }
  throw new Error(`expected '${filter}' to be refused`);
}

describe('parseRunFilter', () => {
  it('parses every entity prefix and alias', () => {
    const clauses = parseRunFilter(
      "metrics.a > 1 AND metric.b <= -2.5e3 AND params.c = 'x' AND param.d != 'y' AND parameters.e LIKE 'z%' " +
        "AND tags.f ILIKE 'Q' AND tag.g = \"dq\" AND attributes.status = 'RUNNING' AND attr.user_id = 'u' " +
        "AND run.artifact_uri LIKE 's3://%' AND datasets.name = 'n' AND dataset.digest IN ('a', 'b')",
    );
    expect(clauses.map((c) => [c.type, c.key, c.comparator, c.value])).toEqual([
      ['metric', 'a', '>', 1],
      ['metric', 'b', '<=', -2500],
      ['param', 'c', '=', 'x'],
      ['param', 'd', '!=', 'y'],
      ['param', 'e', 'LIKE', 'z%'],
      ['tag', 'f', 'ILIKE', 'Q'],
      ['tag', 'g', '=', 'dq'],
      ['attribute', 'status', '=', 'RUNNING'],
      ['attribute', 'user_id', '=', 'u'],
      ['attribute', 'artifact_uri', 'LIKE', 's3://%'],
      ['dataset', 'name', '=', 'n'],
      ['dataset', 'digest', 'IN', ['a', 'b']],
    ]);
  });

  it('resolves attribute aliases and bare attributes', () => {
    expect(parseRunFilter("`Run name` = 'a' AND created > 5 AND Created < 9 AND run_name != 'b'")).toEqual([
      { type: 'attribute', key: 'run_name', comparator: '=', value: 'a' },
      { type: 'attribute', key: 'start_time', comparator: '>', value: 5 },
      { type: 'attribute', key: 'start_time', comparator: '<', value: 9 },
      { type: 'attribute', key: 'run_name', comparator: '!=', value: 'b' },
    ]);
  });

  it('reads quoted keys with dots, spaces and punctuation, and dotted bare keys', () => {
    const clauses = parseRunFilter(
      "metrics.`f1 score` > 0.5 AND tags.\"user-name\" = 'x' AND `params`.`a.b` = '1' AND tags.mlflow.runName = 'r'",
    );
    expect(clauses.map((c) => [c.type, c.key])).toEqual([
      ['metric', 'f1 score'],
      ['tag', 'user-name'],
      ['param', 'a.b'],
      ['tag', 'mlflow.runName'],
    ]);
  });

  it('accepts keywords in any case and comparator spellings MLflow users write', () => {
    const clauses = parseRunFilter(
      "params.a like 'x' and tags.b IlIkE 'y' And run_id not in ('r') AND metrics.m <> 1",
    );
    expect(clauses.map((c) => c.comparator)).toEqual(['LIKE', 'ILIKE', 'NOT IN', '!=']);
  });

  it('supports IS NULL and IS NOT NULL for params and tags only', () => {
    expect(
      parseRunFilter('tags.a IS NULL AND params.b is not null').map((c) => [c.comparator, c.value]),
    ).toEqual([
      ['IS NULL', null],
      ['IS NOT NULL', null],
    ]);
    expect(parseError('metrics.a IS NULL')).toMatch(/comparator/);
    expect(parseError('tags.a IS 5')).toMatch(/IS NULL/);
  });

  it('keeps quotes inside strings: doubled quotes and the other quote character', () => {
    expect(parseRunFilter("params.a = 'it''s'")[0]!.value).toBe("it's");
    expect(parseRunFilter('params.a = "say \'hi\'"')[0]!.value).toBe("say 'hi'");
    expect(parseRunFilter('params.a = \'a "b" c\'')[0]!.value).toBe('a "b" c');
  });

  it('takes unicode in keys and values', () => {
    expect(parseRunFilter("params.température = 'élevée ✓'")).toEqual([
      { type: 'param', key: 'température', comparator: '=', value: 'élevée ✓' },
    ]);
  });

  it('treats an empty or blank filter as no filter', () => {
    expect(parseRunFilter('')).toEqual([]);
    expect(parseRunFilter('   ')).toEqual([]);
    expect(parseRunFilter(undefined)).toEqual([]);
  });

  it.each([
    ["params.a = 'x' OR params.b = 'y'", /Invalid clause\(s\) in filter string: 'OR'/],
    ["(params.a = 'x')", /Invalid clause/],
    ["params.a = 'x' AND (tags.b = 'y')", /Invalid clause/],
    ["params.a = 'x'; DELETE FROM runs", /unexpected character ';' at position 15/],
    ["params.a = 'x' /* c */", /unexpected character '\/'/],
    ["params.a = 'x' -- c", /unexpected character|Invalid clause/],
    ["params.a = 'x' AND AND tags.b = 'y'", /Invalid clause/],
    ['metrics.a > 1 metrics.b > 2', /Invalid clause/],
    ["params.a == 'x' AND", /Invalid clause/],
    ['= 5', /Invalid clause/],
    ["params.a 'x'", /comparator/],
    ["params.a = 'x", /unterminated/],
    ['metrics.`a > 1', /unterminated backtick/],
    ['params.a = x', /quoted string/],
    ["metrics.a = '1'", /numeric/],
    ["start_time = 'yesterday'", /numeric attribute/],
    ["status > 'A'", /comparator/],
    ["metrics.a IN ('1')", /comparator/],
    ["tags.a IN ('x')", /comparator/],
    ["run_name IN ('x')", /Only the 'run_id' attribute/],
    ["run_id IN ('a',)", /list/],
    ["run_id IN 'a'", /opening parenthesis/],
    ["run_id IN ('a' 'b')", /list/],
    ["unknown.a = 'x'", /Invalid entity type 'unknown'/],
    ["attributes.lifecycle_stage = 'active'", /Invalid attribute key 'lifecycle_stage'/],
    ["dataset.size = 'x'", /Invalid dataset key 'size'/],
    ['metrics. = 1', /expected a name/],
    ['metrics.a > 1.2.3', /malformed number|Invalid clause/],
    ['metrics.a > 12abc', /malformed number/],
    ["params.a = 'x' \\", /unexpected character/],
    ['metrics.a > 1 AND', /Invalid clause/],
  ])('refuses %s', (filter, message) => {
    expect(parseError(filter)).toMatch(message);
  });

  it('refuses very long input quickly and with a clear reason', () => {
    expect(parseError(`params.a = '${'x'.repeat(100_001)}'`)).toMatch(/too long/);
    const many = Array.from({ length: 2000 }, (_, i) => `params.k${i} = 'v'`).join(' AND ');
    expect(parseRunFilter(many)).toHaveLength(2000);
  });

  it('never lets a value escape its string: SQL in values stays data', () => {
    const [clause] = parseRunFilter("params.a = '''; DROP TABLE runs; --'");
    expect(clause!.value).toBe("'; DROP TABLE runs; --");
  });
});
