import { describe, expect, it } from 'vitest';
import { parseExperimentFilter, parseExperimentOrderBy } from '../../src/search/experiment-search.js';
import { parseRunOrderBy } from '../../src/search/run-order.js';

describe('parseRunOrderBy', () => {
  it('parses entities, quoted keys, directions in any case and aliases', () => {
    expect(
      parseRunOrderBy([
        'metrics.`f1 score` desc',
        'params.lr',
        'tags."a b" ASC',
        'created',
        'attributes.run_name DESC',
      ]),
    ).toEqual([
      { type: 'metric', key: 'f1 score', ascending: false },
      { type: 'param', key: 'lr', ascending: true },
      { type: 'tag', key: 'a b', ascending: true },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'attribute', key: 'run_name', ascending: false },
    ]);
  });

  it.each([
    ['', /Could not be parsed/],
    ['metrics.a DESC extra', /Could not be parsed/],
    ['metrics.a sideways', /ordering key/],
    ['dataset.name', /dataset/],
    ['attributes.color', /Invalid attribute key 'color'/],
    ['bogus.x', /Invalid entity type/],
  ])('refuses %j', (item, message) => {
    expect(() => parseRunOrderBy([item])).toThrow(message);
  });

  it('refuses the same field twice, even through aliases', () => {
    expect(() => parseRunOrderBy(['metrics.a', 'metric.a DESC'])).toThrow(/duplicate/);
    expect(() => parseRunOrderBy(['start_time', 'created'])).toThrow(/duplicate/);
  });
});

describe('experiment search grammar', () => {
  it('parses name, times and tags, and the default order', () => {
    expect(
      parseExperimentFilter(
        "name LIKE 'a%' AND creation_time > 5 AND tags.team = 'x' AND attribute.last_update_time <= 9",
      ),
    ).toHaveLength(4);
    expect(parseExperimentOrderBy(undefined)).toEqual([
      { key: 'creation_time', ascending: false },
      { key: 'experiment_id', ascending: true },
    ]);
    expect(parseExperimentOrderBy(['name DESC'])).toEqual([{ key: 'name', ascending: false }]);
  });

  it('refuses run-only prefixes and keys', () => {
    expect(() => parseExperimentFilter("params.a = 'x'")).toThrow(/Invalid entity type 'params'/);
    expect(() => parseExperimentFilter("run.name = 'x'")).toThrow(/Invalid entity type 'run'/);
    expect(() => parseExperimentFilter("name IN ('x')")).toThrow(/comparator/);
    expect(() => parseExperimentOrderBy(['lifecycle_stage'])).toThrow(/Invalid attribute key/);
  });
});
