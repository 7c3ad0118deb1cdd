import { describe, expect, it } from 'vitest';
import { parseMetaYaml } from '../../src/import/meta-yaml.js';

// Each text is what PyYAML 6's safe_dump (as MLflow's write_yaml calls it) wrote for the value beside it.
const PYYAML_OUTPUT: Array<[string, string, unknown]> = [
  [
    'an experiment, with legacy and 18-digit ids',
    "artifact_location: file:///srv/mlruns/123456789012345678\ncreation_time: 1700000000000\nexperiment_id: '123456789012345678'\nlast_update_time: 1700000000500\nlifecycle_stage: active\nname: 'fraud: v2 # weekly'\n",
    {
      artifact_location: 'file:///srv/mlruns/123456789012345678',
      creation_time: 1700000000000,
      experiment_id: '123456789012345678',
      last_update_time: 1700000000500,
      lifecycle_stage: 'active',
      name: 'fraud: v2 # weekly',
    },
  ],
  [
    'a run with numeric status and names YAML would misread',
    "artifact_uri: s3://bucket/1/abc/artifacts\ndeleted_time: null\nend_time: null\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: abc\nrun_name: 'yes'\nrun_uuid: abc\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 1\ntags: []\nuser_id: 'null'\n",
    {
      artifact_uri: 's3://bucket/1/abc/artifacts',
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: '1',
      lifecycle_stage: 'active',
      run_id: 'abc',
      run_name: 'yes',
      run_uuid: 'abc',
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: 1700000000000,
      status: 1,
      tags: [],
      user_id: 'null',
    },
  ],
  [
    'long text folded over lines, quotes and unicode',
    'description: "Détecte la fraude — \\"v2\\" it\'s word word word word word word word word\\\n  \\ word word word word word word word word word word word word word word word word\\\n  \\ word word word word word word \\n\\nsecond paragraph\\n"\nlead: \'  spaced  \'\nname: 模型\ntab: "a\\tb"\n',
    {
      description:
        'Détecte la fraude — "v2" it\'s word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word \n\nsecond paragraph\n',
      name: '模型',
      tab: 'a\tb',
      lead: '  spaced  ',
    },
  ],
  [
    'a dataset input with nested tags',
    "destination_id: d1\ndestination_type: RUN\nsource_id: d1\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n  other: '0755'\n",
    {
      destination_id: 'd1',
      destination_type: 'RUN',
      source_id: 'd1',
      source_type: 'DATASET',
      tags: { 'mlflow.data.context': 'training', other: '0755' },
    },
  ],
  [
    'lists of mappings and numbers',
    'aliases: {}\nexp: 1.0e-07\nflags:\n- true\n- false\n- null\ninf: -.inf\nnan: .nan\nversions:\n- stage: None\n  version: 1\n- big: 12345678901234567890\n  score: 0.25\n  version: 2\n',
    {
      versions: [
        { version: 1, stage: 'None' },
        { version: 2, score: 0.25, big: 12345678901234567890n },
      ],
      aliases: {},
      flags: [true, false, null],
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
      exp: 1e-7,
    },
  ],
  [
    'non-printable characters, double-quoted',
    'bell: "ring\\a"\nesc: "\\e[0m"\nls: \'a\u2028  b\'\nnul: "x\\0y"\n',
    // YAML 1.2 readers (the `yaml` library, even in 1.1 mode) keep U+2028 as a character, where PyYAML folds
    // it as a line break; MLflow never writes one in a meta.yaml it reads back.
    { bell: 'ring\u0007', ls: 'a\u2028  b', esc: '\u001b[0m', nul: 'x\u0000y' },
  ],
];

describe('parseMetaYaml', () => {
  it.each(PYYAML_OUTPUT)('reads %s as PyYAML does', (_title, text, expected) => {
    expect(parseMetaYaml(text)).toEqual(expected);
  });

  it('reads block scalars, flow collections, comments and YAML 1.1 scalars', () => {
    const text = [
      '# written by hand',
      '---',
      'literal: |',
      '  line one',
      '',
      '  line three',
      'folded: >-',
      '  a',
      '  b',
      'list: [1, two, "three", null]',
      'map: {k: v, n: 2}',
      'yes_: on',
      'octal: 017',
      'plain: multi',
      '  line  # comment',
      '...',
    ].join('\n');
    expect(parseMetaYaml(text)).toEqual({
      literal: 'line one\n\nline three\n',
      folded: 'a b',
      list: [1, 'two', 'three', null],
      map: { k: 'v', n: 2 },
      yes_: true,
      octal: 15,
      plain: 'multi line',
    });
  });

  it("reads PyYAML's explicit '? key' form, which it writes for keys over 128 characters", () => {
    const key = 'k'.repeat(130);
    const text = `source_type: DATASET\ntags:\n  ? ${key}\n  : v\n  mlflow.data.context: eval\n`;
    expect(parseMetaYaml(text)).toEqual({
      source_type: 'DATASET',
      tags: { [key]: 'v', 'mlflow.data.context': 'eval' },
    });
  });

  it('names the line of what it cannot read', () => {
    expect(() => parseMetaYaml('name: [unclosed\n')).toThrow(/^line \d+: /);
    expect(() => parseMetaYaml("a: 1\nb: 'open\n")).toThrow(/^line \d+: Missing closing/);
    expect(() => parseMetaYaml('a: 1\n   b: 2\n')).toThrow(/^line \d+: /);
    expect(() => parseMetaYaml('a: 1\n---\nb: 2\n')).toThrow(/several YAML documents/);
  });
});
