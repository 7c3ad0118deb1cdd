import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type CsvRun, csvField, csvKeysOf, csvText, runsCsv, runsCsvRows } from '../src/lib/runs-csv.js';

const runs: CsvRun[] = [
  {
    info: {
      run_id: 'r1',
      run_name: 'alpha, the first',
      status: 'FINISHED',
      start_time: Date.UTC(2026, 0, 2, 3, 4, 5),
      end_time: Date.UTC(2026, 0, 2, 3, 4, 35),
      user_id: 'ana',
    },
    data: {
      params: [{ key: 'model', value: 'say "tree"' }],
      metrics: [{ key: 'loss', value: 0.25 }],
      tags: [
        { key: 'note', value: 'line one\nline two' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        { key: 'mlflow.source.name', value: 'train.py' },
      ],
    },
  },
  { info: { run_id: 'r2', status: 'RUNNING' }, data: {} },
];

describe('runs CSV', () => {
  it('quotes fields with commas, quotes and line breaks only', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(
      csvText([
        ['a', 'b,c'],
        ['d', ''],
      ]),
    ).toBe('a,"b,c"\r\nd,\r\n');
  });

  it("writes MLflow's columns, then the shown params, metrics and tags, and reads back", () => {
    const keys = { params: ['model'], metrics: ['loss', 'acc'], tags: ['note'] };
    const text = runsCsv(runs, keys);
    expect(text.endsWith('\r\n')).toBe(true);
    // Read back with an independent RFC 4180 reader: records end in CRLF only, every row as wide as the first.
    const rows: string[][] = parse(text, { record_delimiter: '\r\n', relax_column_count: false });
    expect(rows).toEqual(runsCsvRows(runs, keys));
    expect(rows[0]).toEqual([
      'Start Time',
      'Duration',
      'Run ID',
      'Name',
      'Source Type',
      'Source Name',
      'User',
      'Status',
      'model',
      'loss',
      'acc',
      'note',
    ]);
    expect(rows[1]).toEqual([
      '2026-01-02T03:04:05.000Z',
      '30.0s',
      'r1',
      'alpha, the first',
      'LOCAL',
      'train.py',
      'ana',
      'FINISHED',
      'say "tree"',
      '0.25',
      '',
      'line one\nline two',
    ]);
    expect(rows[2]).toEqual(['', '', 'r2', '', '', '', '', 'RUNNING', '', '', '', '']);
    expect(rows).toHaveLength(3);
  });

  it('takes the keys from the shown column ids', () => {
    expect(csvKeysOf(['attr:start_time', 'param:lr', 'metric:a:b', 'tag:team', 'param:x'])).toEqual({
      params: ['lr', 'x'],
      metrics: ['a:b'],
      tags: ['team'],
    });
  });
});
