import { opt, req, v } from './columns.js';
import { type TableSpec, types } from './table-spec.js';

// MLflow's SQLite layout of six tracking tables 0001 already created: on SQLite MLflow leaves their foreign
// keys and some checks unnamed, where 0001 named them. 0003 rebuilds them on SQLite in this form; on
// Postgres 0001's names are the ones Postgres gives MLflow's unnamed constraints, so nothing changes there.

const runFk = { columns: ['run_uuid'], references: 'runs', referencedColumns: ['run_uuid'] };
const isNan = { expression: 'is_nan in (0, 1)' };

/** The tracking tables whose SQLite constraint names 0003 aligns with MLflow's, in a safe rebuild order. */
export const SQLITE_TRACKING_TABLES: readonly TableSpec[] = [
  {
    name: 'experiment_tags',
    columns: [req('key', v(250)), opt('value', v(5000)), req('experiment_id', 'integer')],
    primaryKey: { name: 'experiment_tag_pk', columns: ['key', 'experiment_id'] },
    foreignKeys: [
      { columns: ['experiment_id'], references: 'experiments', referencedColumns: ['experiment_id'] },
    ],
  },
  {
    name: 'runs',
    columns: [
      req('run_uuid', v(32)),
      opt('name', v(250)),
      opt('source_type', v(20)),
      opt('source_name', v(500)),
      opt('entry_point_name', v(50)),
      opt('user_id', v(256)),
      opt('status', v(9)),
      opt('start_time', 'bigint'),
      opt('end_time', 'bigint'),
      opt('source_version', v(50)),
      opt('lifecycle_stage', v(20)),
      opt('artifact_uri', v(200)),
      opt('experiment_id', 'integer'),
      opt('deleted_time', 'bigint'),
    ],
    primaryKey: { name: 'run_pk', columns: ['run_uuid'] },
    foreignKeys: [
      { columns: ['experiment_id'], references: 'experiments', referencedColumns: ['experiment_id'] },
    ],
    checks: [
      { name: 'runs_lifecycle_stage', expression: "lifecycle_stage in ('active', 'deleted')" },
      {
        name: 'source_type',
        expression: "source_type in ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')",
      },
      { expression: "status in ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')" },
    ],
  },
  {
    name: 'latest_metrics',
    columns: [
      req('key', v(250)),
      req('value', types.float),
      opt('timestamp', 'bigint'),
      req('step', 'bigint'),
      req('is_nan', 'boolean'),
      req('run_uuid', v(32)),
    ],
    primaryKey: { name: 'latest_metric_pk', columns: ['key', 'run_uuid'] },
    foreignKeys: [runFk],
    checks: [isNan],
  },
  {
    name: 'metrics',
    columns: [
      req('key', v(250)),
      req('value', types.float),
      req('timestamp', 'bigint'),
      req('run_uuid', v(32)),
      req('step', 'bigint', { default: "'0'" }),
      req('is_nan', 'boolean', { default: types.falseDefault }),
    ],
    primaryKey: { name: 'metric_pk', columns: ['key', 'timestamp', 'step', 'run_uuid', 'value', 'is_nan'] },
    foreignKeys: [runFk],
    checks: [isNan],
  },
  {
    name: 'params',
    columns: [req('key', v(250)), req('value', v(8000)), req('run_uuid', v(32))],
    primaryKey: { name: 'param_pk', columns: ['key', 'run_uuid'] },
    foreignKeys: [runFk],
  },
  {
    name: 'tags',
    columns: [req('key', v(250)), opt('value', v(8000)), req('run_uuid', v(32))],
    primaryKey: { name: 'tag_pk', columns: ['key', 'run_uuid'] },
    foreignKeys: [runFk],
  },
];
