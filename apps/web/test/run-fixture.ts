import type { Run } from '../src/api/types.js';

/** A finished run `run<i>` of experiment 1, as the runs table gets it; a child of `parent` when given. */
export function tableRun(i: number, parent?: string): Run {
  return {
    info: {
      run_id: `run${i}`,
      run_uuid: `run${i}`,
      run_name: `run ${i}`,
      experiment_id: '1',
      status: 'FINISHED',
      lifecycle_stage: 'active',
      start_time: 1000,
    },
    data: { tags: parent ? [{ key: 'mlflow.parentRunId', value: parent }] : [] },
    inputs: {},
  };
}
