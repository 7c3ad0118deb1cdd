import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// An `mlruns` folder as MLflow 2.x's file store writes it (mlflow/store/tracking/file_store.py and
// mlflow/store/model_registry/file_store.py): meta.yaml files in PyYAML's safe_dump form (sorted keys,
// status and source_type as proto numbers), one file per param, tag and metric (lines `timestamp value
// step`), keys with `/` as sub-folders, deleted experiments under .trash, datasets per experiment and
// inputs per run, and the registry under models/.

/** What `writeMlflowFileStore` wrote, for assertions. */
export interface MlflowFileStoreFixture {
  root: string;
  /** Run ids by role. */
  runs: { default: string; baseline: string; failed: string; big: string; old: string };
  /** The 18-digit id MLflow's file store gave one experiment (too large for Flowline's integer ids). */
  bigExperimentId: string;
  /** A deleted experiment sharing its name with the live `fraud-detection`. */
  trashedTwinId: string;
  datasetFolder: string;
}

const md5 = (...parts: string[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

const experimentMeta = (root: string, id: string, name: string, stage: string, time: number) =>
  `artifact_location: ${pathToFileURL(join(root, id)).href}
creation_time: ${time}
experiment_id: '${id}'
last_update_time: ${time + 500}
lifecycle_stage: ${stage}
name: ${name}
`;

interface RunSpec {
  id: string;
  experimentId: string;
  name: string;
  status: number;
  stage: string;
  start: number;
  end: number | null;
  deleted?: number;
}

const runMeta = (root: string, r: RunSpec) =>
  `artifact_uri: ${pathToFileURL(join(root, r.experimentId, r.id, 'artifacts')).href}
deleted_time: ${r.deleted ?? 'null'}
end_time: ${r.end ?? 'null'}
entry_point_name: ''
experiment_id: '${r.experimentId}'
lifecycle_stage: ${r.stage}
run_id: ${r.id}
run_name: ${r.name}
run_uuid: ${r.id}
source_name: ''
source_type: 4
source_version: ''
start_time: ${r.start}
status: ${r.status}
tags: []
user_id: alice
`;

async function writeRun(
  dir: string,
  root: string,
  r: RunSpec,
  extra: Record<string, string> = {},
): Promise<void> {
  await put(join(dir, 'meta.yaml'), runMeta(root, r));
  for (const [path, text] of Object.entries(extra)) await put(join(dir, path), text);
}

/** Writes a realistic MLflow file store into `root` (the folder MLflow's --backend-store-uri named). */
export async function writeMlflowFileStore(root: string): Promise<MlflowFileStoreFixture> {
  const runs = {
    default: '0a0a0a0a0a0a4a0a8a0a0a0a0a0a0a0a',
    baseline: '1b1b1b1b1b1b4b1b8b1b1b1b1b1b1b1b',
    failed: '2c2c2c2c2c2c4c2c8c2c2c2c2c2c2c2c',
    big: '3d3d3d3d3d3d4d3d8d3d3d3d3d3d3d3d',
    old: '4e4e4e4e4e4e4e4e8e4e4e4e4e4e4e4e',
  };
  const bigExperimentId = '123456789012345678';
  const trashedTwinId = '987654321098765432';

  // Experiment 0, the default one, with one finished run.
  await put(join(root, '0', 'meta.yaml'), experimentMeta(root, '0', 'Default', 'active', 1_700_000_000_000));
  await writeRun(
    join(root, '0', runs.default),
    root,
    {
      id: runs.default,
      experimentId: '0',
      name: 'first',
      status: 3,
      stage: 'active',
      start: 1_700_000_000_100,
      end: 1_700_000_000_900,
    },
    { 'params/alpha': '0.5', 'metrics/loss': '1700000000200 0.75 0\n', 'tags/mlflow.runName': 'first' },
  );

  // Experiment 1 with tags, a dataset, a finished run with history and an input, and a deleted failed run.
  const exp1 = join(root, '1');
  await put(
    join(exp1, 'meta.yaml'),
    experimentMeta(root, '1', 'fraud-detection', 'active', 1_700_000_001_000),
  );
  await put(join(exp1, 'tags', 'mlflow.note.content'), 'Fraud models\n\nTrained weekly.');
  await put(join(exp1, 'tags', 'team'), 'risk');
  const datasetFolder = md5('transactions', '3f2a9c1d');
  await put(
    join(exp1, 'datasets', datasetFolder, 'meta.yaml'),
    `digest: 3f2a9c1d
name: transactions
profile: '{"num_rows": 1000, "num_elements": 3000}'
schema: '{"mlflow_colspec": [{"type": "double", "name": "amount", "required": true},
  {"type": "long", "name": "merchant_id", "required": true}, {"type": "string", "name":
  "country", "required": false}]}'
source: '{"uri": "s3://bucket/transactions.parquet"}'
source_type: s3
`,
  );
  const inputFolder = md5(datasetFolder, runs.baseline);
  await writeRun(
    join(exp1, runs.baseline),
    root,
    {
      id: runs.baseline,
      experimentId: '1',
      name: 'baseline',
      status: 3,
      stage: 'active',
      start: 1_700_000_002_000,
      end: 1_700_000_009_000,
    },
    {
      'params/lr': '0.01',
      'params/model/depth': '6',
      // loss logged twice at step 2 with the same value: one row in SQL (every column is the key).
      'metrics/loss':
        '1700000003000 0.9 0\n1700000004000 0.5 1\n1700000005000 0.25 2\n1700000005000 0.25 2\n',
      'metrics/a/b': '1700000003000 1.0 0\n1700000004000 nan 1\n',
      'metrics/acc': '1700000003000 0.5 0\n1700000004000 inf 1\n',
      'tags/mlflow.runName': 'baseline',
      'tags/mlflow.user': 'alice',
      'tags/mlflow.source.type': 'LOCAL',
      'tags/team/owner': 'bob',
      [`inputs/${inputFolder}/meta.yaml`]: `destination_id: ${datasetFolder}
destination_type: RUN
source_id: ${datasetFolder}
source_type: DATASET
tags:
  mlflow.data.context: training
`,
      'artifacts/model/MLmodel': 'artifact_path: model\nflavors: {}\n',
    },
  );
  await writeRun(
    join(exp1, runs.failed),
    root,
    {
      id: runs.failed,
      experimentId: '1',
      name: "'yes'",
      status: 4,
      stage: 'deleted',
      start: 1_700_000_010_000,
      end: 1_700_000_011_000,
      deleted: 1_700_000_012_000,
    },
    { 'tags/mlflow.runName': 'yes', 'params/lr': '0.1' },
  );

  // An experiment with MLflow's usual 18-digit id and a running run.
  const big = join(root, bigExperimentId);
  await put(
    join(big, 'meta.yaml'),
    experimentMeta(root, bigExperimentId, 'big-id', 'active', 1_700_000_020_000),
  );
  await writeRun(join(big, runs.big), root, {
    id: runs.big,
    experimentId: bigExperimentId,
    name: 'still-running',
    status: 1,
    stage: 'active',
    start: 1_700_000_021_000,
    end: null,
  });

  // Deleted experiments in .trash: one with a deleted run, one named like a live experiment.
  const old = join(root, '.trash', '2');
  await put(
    join(old, 'meta.yaml'),
    experimentMeta(root, '2', 'old-experiment', 'deleted', 1_700_000_030_000),
  );
  await put(join(old, 'tags', 'reason'), 'superseded');
  await writeRun(join(old, runs.old), root, {
    id: runs.old,
    experimentId: '2',
    name: 'old-run',
    status: 5,
    stage: 'deleted',
    start: 1_700_000_031_000,
    end: 1_700_000_032_000,
    deleted: 1_700_000_033_000,
  });
  await put(
    join(root, '.trash', trashedTwinId, 'meta.yaml'),
    experimentMeta(root, trashedTwinId, 'fraud-detection', 'deleted', 1_699_000_000_000),
  );

  // The registry: a model with tags, an alias and three versions (one deleted), and a model without versions.
  const model = join(root, 'models', 'fraud-model');
  await put(
    join(model, 'meta.yaml'),
    `aliases: {}
creation_timestamp: 1700000040000
description: 'Detects fraud.

  Second paragraph.'
last_updated_timestamp: 1700000049000
name: fraud-model
`,
  );
  await put(join(model, 'tags', 'team'), 'risk');
  await put(join(model, 'aliases', 'champion'), '2');
  const version = (n: number, stage: string, source: string, runId: string) =>
    `aliases: []
creation_timestamp: ${1_700_000_040_000 + n * 1000}
current_stage: ${stage}
description: ''
last_updated_timestamp: ${1_700_000_045_000 + n * 1000}
name: fraud-model
run_id: ${runId}
run_link: ''
source: ${source}
status: READY
status_message: null
storage_location: ${source}
user_id: null
version: ${n}
`;
  const modelSource = pathToFileURL(join(root, '1', runs.baseline, 'artifacts', 'model')).href;
  await put(join(model, 'version-1', 'meta.yaml'), version(1, 'Archived', modelSource, runs.baseline));
  await put(join(model, 'version-1', 'tags', 'validated'), 'true');
  await put(join(model, 'version-2', 'meta.yaml'), version(2, 'Production', modelSource, runs.baseline));
  await put(
    join(model, 'version-3', 'meta.yaml'),
    version(3, 'Deleted_Internal', modelSource, runs.baseline),
  );
  await put(
    join(root, 'models', 'empty-model', 'meta.yaml'),
    `aliases: {}
creation_timestamp: 1700000050000
description: null
last_updated_timestamp: 1700000050000
name: empty-model
`,
  );
  return { root, runs, bigExperimentId, trashedTwinId, datasetFolder };
}
