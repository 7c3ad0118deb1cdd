import { describe, expect, it } from 'vitest';
import {
  comparatorsFor,
  type FilterVocabulary,
  filterKey,
  knownValues,
  quoteValue,
  suggestFilter,
} from '../src/lib/filter-suggest.js';

const vocab: FilterVocabulary = {
  params: ['lr', 'model', 'opt name'],
  metrics: ['accuracy', 'loss', 'val/loss'],
  tags: ['team'],
  values: new Map([
    ['params.model', ['linear', 'tree', "o'neil"]],
    ['tags.team', ['search', 'ads']],
    ['attributes.user_id', ['ana']],
  ]),
};

/** Suggestions at the end of `text` (or at `|`), with the text each would produce. */
function at(text: string) {
  const caret = text.includes('|') ? text.indexOf('|') : text.length;
  const plain = text.replace('|', '');
  const r = suggestFilter(plain, caret, vocab);
  return {
    labels: r.items.map((i) => i.label),
    apply: (label: string) => {
      const item = r.items.find((i) => i.label === label);
      if (!item) throw new Error(`no ${label} in ${r.items.map((i) => i.label).join(', ')}`);
      return plain.slice(0, r.from) + item.insert + plain.slice(r.to);
    },
  };
}

describe('suggestFilter', () => {
  it('offers the entity prefixes in an empty box', () => {
    expect(at('').labels).toEqual(['metrics.', 'params.', 'tags.', 'attributes.', 'datasets.']);
  });

  it('lists the keys of the entity being typed, backticking those that need it', () => {
    expect(at('metr').labels).toEqual(['metrics.accuracy', 'metrics.loss', 'metrics.`val/loss`']);
    expect(at('metr').apply('metrics.loss')).toBe('metrics.loss ');
    expect(at('metrics.').labels).toHaveLength(3);
    expect(at('metrics.lo').labels).toEqual(['metrics.loss', 'metrics.`val/loss`']);
    expect(at('params.opt').apply('params.`opt name`')).toBe('params.`opt name` ');
    expect(at('metrics.`val/').apply('metrics.`val/loss`')).toBe('metrics.`val/loss` ');
  });

  it("names MLflow's run attributes and finds keys of any entity by a word of their name", () => {
    const attrs = at('attributes.').labels;
    expect(attrs).toEqual(
      expect.arrayContaining([
        'attributes.start_time',
        'attributes.end_time',
        'attributes.status',
        'attributes.run_name',
        'attributes.run_id',
        'attributes.user_id',
        'attributes.artifact_uri',
      ]),
    );
    expect(at('attr.st').labels).toEqual(['attributes.start_time', 'attributes.status']);
    expect(at('loss').labels).toEqual(['metrics.loss', 'metrics.`val/loss`']);
  });

  it('replaces the whole key under the caret', () => {
    expect(at('metrics.lo| < 1').apply('metrics.loss')).toBe('metrics.loss  < 1');
  });

  it('offers the comparators valid for the entity', () => {
    expect(at('metrics.loss ').labels).toEqual(['=', '!=', '<', '<=', '>', '>=']);
    expect(at('params.model ').labels).toEqual(['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL']);
    expect(at('attributes.status ').labels).toEqual(['=', '!=', 'LIKE', 'ILIKE']);
    expect(at('attributes.run_id ').labels).toContain('IN');
    expect(at('attributes.start_time ').labels).toContain('>=');
    expect(at('metrics.loss <').labels).toEqual(['<', '<=']);
    expect(at('params.model li').apply('LIKE')).toBe('params.model LIKE ');
    expect(at('attributes.run_id NOT ').labels).toContain('IN');
    expect(comparatorsFor('attribute', 'created')).toContain('<');
  });

  it('offers known values, quoted, for params, tags and the status', () => {
    expect(at('params.model = ').labels).toEqual(["'linear'", "'tree'", "'o''neil'"]);
    expect(at("params.model = 'tr").apply("'tree'")).toBe("params.model = 'tree' ");
    expect(at('attributes.status = ').labels).toEqual([
      "'RUNNING'",
      "'SCHEDULED'",
      "'FINISHED'",
      "'FAILED'",
      "'KILLED'",
    ]);
    expect(at("status = 'fa").labels).toEqual(["'FAILED'"]);
    expect(at('tags.team != ').labels).toEqual(["'search'", "'ads'"]);
    expect(at('metrics.loss < ').labels).toEqual([]);
  });

  it('offers AND after a complete clause, then keys again', () => {
    expect(at("params.model = 'tree' ").labels).toEqual(['AND']);
    expect(at("params.model = 'tree'").apply('AND')).toBe("params.model = 'tree' AND ");
    expect(at('metrics.loss < 1 ').apply('AND')).toBe('metrics.loss < 1 AND ');
    expect(at('metrics.loss < 1 a').apply('AND')).toBe('metrics.loss < 1 AND ');
    expect(at('metrics.loss < 1 AND metr').labels).toContain('metrics.accuracy');
    expect(at('tags.team IS ').labels).toEqual(['NULL', 'NOT NULL']);
    expect(at('tags.team IS NOT ').labels).toEqual(['NULL']);
    expect(at('tags.team IS NULL ').labels).toEqual(['AND']);
  });

  it('stays quiet where nothing fits', () => {
    expect(at('metrics.loss < 1').labels).toEqual([]); // still typing the number
    expect(at('metrics.loss < 1 OR ').labels).toEqual([]);
    expect(at('metrics.loss ; ').labels).toEqual([]);
    expect(at('nope.key ').labels).toEqual([]);
    expect(at("params.model = 'tree' xyz").labels).toEqual([]);
  });
});

describe('filter helpers', () => {
  it('quotes keys and values as the grammar reads them', () => {
    expect(filterKey('metrics', 'loss_2')).toBe('metrics.loss_2');
    expect(filterKey('metrics', 'a.b')).toBe('metrics.`a.b`');
    expect(filterKey('tags', 'we`ird')).toBe('tags.`we``ird`');
    expect(quoteValue("it's")).toBe("'it''s'");
  });

  it('collects distinct values per key', () => {
    const runs = [
      { info: { user_id: 'ana', run_name: 'a' }, data: { params: [{ key: 'lr', value: '0.1' }], tags: [] } },
      { info: { user_id: 'ana', run_name: 'b' }, data: { params: [{ key: 'lr', value: '0.01' }] } },
    ];
    const values = knownValues(runs);
    expect(values.get('params.lr')).toEqual(['0.01', '0.1']);
    expect(values.get('attributes.user_id')).toEqual(['ana']);
    expect(values.get('attributes.run_name')).toEqual(['a', 'b']);
  });
});

describe('suggestFilter against the server’s grammar', () => {
  it('builds only clauses that the tracking store’s run filter parser accepts', async () => {
    const { parseRunFilter } = await import('@flowline/tracking-store');
    const clauses: string[] = [];
    for (const entity of at('').labels) {
      const withEntity = at('').apply(entity);
      for (const key of at(withEntity).labels) {
        const withKey = at(withEntity).apply(key);
        const afterKey = withKey.endsWith(' ') ? withKey : `${withKey} `;
        for (const comparator of at(afterKey).labels) {
          const withComparator = at(afterKey).apply(comparator);
          if (/NULL$/.test(comparator)) {
            clauses.push(withComparator.trim());
            continue;
          }
          const afterComparator = withComparator.endsWith(' ') ? withComparator : `${withComparator} `;
          const value = at(afterComparator).labels[0];
          const literal = /metrics\.|_time/.test(withKey) ? '1' : "'x'";
          // IN opens its list itself: the value and the closing parenthesis follow.
          const clause = value
            ? at(afterComparator).apply(value)
            : withComparator.trimEnd().endsWith('(')
              ? `${withComparator.trimEnd()}${literal})`
              : `${afterComparator}${literal}`;
          clauses.push(clause.trim());
        }
      }
    }
    expect(clauses.length).toBeGreaterThan(50);
    const refused = clauses.filter((clause) => {
      try {
        parseRunFilter(clause);
        return false;
      } catch {
        return true;
      }
    });
    expect(refused).toEqual([]);
  });
});
