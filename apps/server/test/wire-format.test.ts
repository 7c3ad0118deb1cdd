import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, memoryServer } from './helpers.js';

const API = '/api/2.0/mlflow';
let server: Awaited<ReturnType<typeof memoryServer>>;
beforeAll(async () => {
  server = await memoryServer();
});
afterAll(async () => {
  await server.close();
});
const app = () => server.app;

async function newRun(extra: Record<string, unknown> = {}) {
  const exp = await call(app(), 'POST', `${API}/experiments/create`, { name: `wire-${Math.random()}` });
  const run = await call(app(), 'POST', `${API}/runs/create`, {
    experiment_id: exp.body.experiment_id,
    start_time: 1700000000000,
    ...extra,
  });
  return {
    experimentId: exp.body.experiment_id as string,
    runId: run.body.run.info.run_id as string,
    body: run.body,
  };
}

describe('experiments wire format', () => {
  it('create → {experiment_id} as a string; get → the experiment with snake_case fields and tags', async () => {
    const created = await call(app(), 'POST', `${API}/experiments/create`, {
      name: 'wire-exp',
      artifact_location: 's3://bucket/wire',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ experiment_id: expect.stringMatching(/^\d+$/) });
    const got = await call(
      app(),
      'GET',
      `${API}/experiments/get?experiment_id=${created.body.experiment_id}`,
    );
    expect(got.body).toEqual({
      experiment: {
        experiment_id: created.body.experiment_id,
        name: 'wire-exp',
        artifact_location: 's3://bucket/wire',
        lifecycle_stage: 'active',
        creation_time: expect.any(Number),
        last_update_time: expect.any(Number),
        tags: [{ key: 'team', value: 'ml' }],
      },
    });
    const byName = await call(app(), 'GET', `${API}/experiments/get-by-name?experiment_name=wire-exp`);
    expect(byName.body.experiment.experiment_id).toBe(created.body.experiment_id);
  });

  it('omits empty tag lists and answers void calls with {}', async () => {
    const { body } = await call(app(), 'POST', `${API}/experiments/create`, { name: 'no-tags' });
    const got = await call(app(), 'GET', `${API}/experiments/get?experiment_id=${body.experiment_id}`);
    expect(got.body.experiment).not.toHaveProperty('tags');
    for (const [path, payload] of [
      ['/experiments/set-experiment-tag', { experiment_id: body.experiment_id, key: 'k', value: 'v' }],
      ['/experiments/delete-experiment-tag', { experiment_id: body.experiment_id, key: 'k' }],
      ['/experiments/update', { experiment_id: body.experiment_id, new_name: 'no-tags-2' }],
      ['/experiments/delete', { experiment_id: body.experiment_id }],
      ['/experiments/restore', { experiment_id: body.experiment_id }],
    ] as const) {
      const res = await call(app(), 'POST', API + path, payload);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 200, body: {} });
    }
  });

  it('search takes POST JSON and GET query strings, pages with next_page_token, and returns {} when nothing matches', async () => {
    for (let i = 0; i < 3; i++)
      await call(app(), 'POST', `${API}/experiments/create`, { name: `paged-${i}` });
    const first = await call(app(), 'POST', `${API}/experiments/search`, {
      max_results: 2,
      filter: "name LIKE 'paged-%'",
      order_by: ['name ASC'],
    });
    expect(first.body.experiments.map((e: { name: string }) => e.name)).toEqual(['paged-0', 'paged-1']);
    expect(typeof first.body.next_page_token).toBe('string');
    const second = await call(
      app(),
      'GET',
      `${API}/experiments/search?max_results=2&filter=${encodeURIComponent("name LIKE 'paged-%'")}&order_by=${encodeURIComponent('name ASC')}&page_token=${encodeURIComponent(first.body.next_page_token)}`,
    );
    expect(second.body).toEqual({ experiments: [expect.objectContaining({ name: 'paged-2' })] });
    const none = await call(app(), 'POST', `${API}/experiments/search`, {
      max_results: 5,
      filter: "name = 'nothing-here'",
    });
    expect(none.body).toEqual({});
    const viewNumber = await call(app(), 'POST', `${API}/experiments/search`, {
      max_results: 5,
      view_type: 3,
      filter: "name LIKE 'paged-%'",
    });
    expect(viewNumber.body.experiments).toHaveLength(3);
  });

  it('answers unknown experiments with 404 RESOURCE_DOES_NOT_EXIST in MLflow words', async () => {
    const res = await call(app(), 'GET', `${API}/experiments/get?experiment_id=424242`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'No Experiment with id=424242 exists',
    });
    const byName = await call(app(), 'GET', `${API}/experiments/get-by-name?experiment_name=absent`);
    expect(byName.body).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Could not find experiment with name 'absent'",
    });
  });

  it('maps duplicates to 400 RESOURCE_ALREADY_EXISTS and renaming a deleted experiment to 500 INVALID_STATE', async () => {
    await call(app(), 'POST', `${API}/experiments/create`, { name: 'dup' });
    const dup = await call(app(), 'POST', `${API}/experiments/create`, { name: 'dup' });
    expect(dup.status).toBe(400);
    expect(dup.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const { body } = await call(app(), 'POST', `${API}/experiments/create`, { name: 'gone' });
    await call(app(), 'POST', `${API}/experiments/delete`, { experiment_id: body.experiment_id });
    const rename = await call(app(), 'POST', `${API}/experiments/update`, {
      experiment_id: body.experiment_id,
      new_name: 'x',
    });
    expect(rename.status).toBe(500);
    expect(rename.body.error_code).toBe('INVALID_STATE');
  });

  it('serves the pre-2.0 experiments/list route for old clients', async () => {
    const res = await call(app(), 'GET', `${API}/experiments/list`);
    expect(res.status).toBe(200);
    expect(res.body.experiments.some((e: { name: string }) => e.name === 'Default')).toBe(true);
  });
});

describe('runs wire format', () => {
  it('create → run with info (run_id and run_uuid), data and inputs, omitting unset end_time', async () => {
    const { body, experimentId } = await newRun({ run_name: 'wire-run', tags: [{ key: 'a', value: 'b' }] });
    expect(body.run.info).toEqual({
      run_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      run_uuid: body.run.info.run_id,
      run_name: 'wire-run',
      experiment_id: experimentId,
      user_id: '',
      status: 'RUNNING',
      start_time: 1700000000000,
      artifact_uri: `/srv/artifacts/${experimentId}/${body.run.info.run_id}/artifacts`,
      lifecycle_stage: 'active',
    });
    expect(body.run.info).not.toHaveProperty('end_time');
    expect(body.run.data).toEqual({
      tags: [
        { key: 'a', value: 'b' },
        { key: 'mlflow.runName', value: 'wire-run' },
      ],
    });
    expect(body.run.inputs).toEqual({});
  });

  it('logs metrics with NaN and infinities as strings, int64 given as strings, and returns them the same way', async () => {
    const { runId } = await newRun();
    const batch = await call(app(), 'POST', `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: [
        { key: 'nan', value: 'NaN', timestamp: '1700000000001' },
        { key: 'inf', value: 'Infinity', timestamp: 1700000000001, step: '2' },
        { key: 'ninf', value: '-Infinity', timestamp: 1700000000001 },
        { key: 'plain', value: 0.25, timestamp: 1700000000001, step: 7 },
      ],
      params: [{ key: 'p', value: 'v' }],
      tags: [{ key: 't', value: 'u' }],
    });
    expect(batch).toMatchObject({ status: 200, body: {} });
    const got = await call(app(), 'GET', `${API}/runs/get?run_id=${runId}`);
    expect(got.body.run.data.metrics).toEqual([
      { key: 'inf', value: 'Infinity', timestamp: 1700000000001, step: 2 },
      { key: 'nan', value: 'NaN', timestamp: 1700000000001, step: 0 },
      { key: 'ninf', value: '-Infinity', timestamp: 1700000000001, step: 0 },
      { key: 'plain', value: 0.25, timestamp: 1700000000001, step: 7 },
    ]);
    expect(got.body.run.data.params).toEqual([{ key: 'p', value: 'v' }]);
    const history = await call(app(), 'GET', `${API}/metrics/get-history?run_uuid=${runId}&metric_key=nan`);
    expect(history.body).toEqual({
      metrics: [{ key: 'nan', value: 'NaN', timestamp: 1700000000001, step: 0 }],
    });
  });

  it('accepts run_uuid for run_id, updates with status names or numbers, and returns run_info', async () => {
    const { runId } = await newRun();
    const updated = await call(app(), 'POST', `${API}/runs/update`, {
      run_uuid: runId,
      status: 'FINISHED',
      end_time: 1700000009999,
    });
    expect(updated.body.run_info).toMatchObject({
      run_id: runId,
      status: 'FINISHED',
      end_time: 1700000009999,
    });
    const byNumber = await call(app(), 'POST', `${API}/runs/update`, { run_id: runId, status: 4 });
    expect(byNumber.body.run_info.status).toBe('FAILED');
    const bad = await call(app(), 'POST', `${API}/runs/update`, { run_id: runId, status: 'DONE' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('soft-deletes and restores runs with {} answers, and refuses writes to a deleted run with 400', async () => {
    const { runId } = await newRun();
    expect((await call(app(), 'POST', `${API}/runs/delete`, { run_id: runId })).body).toEqual({});
    const deleted = await call(app(), 'GET', `${API}/runs/get?run_id=${runId}`);
    expect(deleted.body.run.info.lifecycle_stage).toBe('deleted');
    const write = await call(app(), 'POST', `${API}/runs/set-tag`, { run_id: runId, key: 'k', value: 'v' });
    expect(write).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await call(app(), 'POST', `${API}/runs/restore`, { run_uuid: runId })).body).toEqual({});
    expect((await call(app(), 'GET', `${API}/runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage).toBe(
      'active',
    );
    const missing = await call(app(), 'POST', `${API}/runs/delete`, { run_id: 'f'.repeat(32) });
    expect(missing).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('logs single metrics, params and tags, deletes tags, and refuses param changes with 400', async () => {
    const { runId } = await newRun();
    expect(
      (
        await call(app(), 'POST', `${API}/runs/log-metric`, {
          run_id: runId,
          key: 'm',
          value: 1.5,
          timestamp: 5,
          step: 1,
        })
      ).body,
    ).toEqual({});
    expect(
      (await call(app(), 'POST', `${API}/runs/log-parameter`, { run_id: runId, key: 'lr', value: '0.1' }))
        .body,
    ).toEqual({});
    expect(
      (await call(app(), 'POST', `${API}/runs/set-tag`, { run_id: runId, key: 'x', value: 'y' })).body,
    ).toEqual({});
    expect((await call(app(), 'POST', `${API}/runs/delete-tag`, { run_id: runId, key: 'x' })).body).toEqual(
      {},
    );
    const change = await call(app(), 'POST', `${API}/runs/log-parameter`, {
      run_id: runId,
      key: 'lr',
      value: '0.2',
    });
    expect(change.status).toBe(400);
    expect(change.body.message).toMatch(/^Changing param values is not allowed/);
    const missingTag = await call(app(), 'POST', `${API}/runs/delete-tag`, { run_id: runId, key: 'nope' });
    expect(missingTag.status).toBe(404);
  });

  it('searches with a filter and order, returning runs and a page token', async () => {
    const { experimentId } = await newRun();
    for (let i = 0; i < 3; i++) {
      const run = await call(app(), 'POST', `${API}/runs/create`, {
        experiment_id: experimentId,
        run_name: `s${i}`,
      });
      await call(app(), 'POST', `${API}/runs/log-metric`, {
        run_id: run.body.run.info.run_id,
        key: 'acc',
        value: i / 10,
        timestamp: 1,
      });
    }
    const res = await call(app(), 'POST', `${API}/runs/search`, {
      experiment_ids: [experimentId],
      filter: 'metrics.acc >= 0.1',
      order_by: ['metrics.acc DESC'],
      max_results: 1,
    });
    expect(res.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['s2']);
    expect(res.body.next_page_token).toEqual(expect.any(String));
    const empty = await call(app(), 'POST', `${API}/runs/search`, {
      experiment_ids: [experimentId],
      filter: 'metrics.acc > 5',
    });
    expect(empty.body).toEqual({});
    const tooMany = await call(app(), 'POST', `${API}/runs/search`, {
      experiment_ids: [experimentId],
      max_results: 50001,
    });
    expect(tooMany.status).toBe(400);
  });

  it('logs dataset inputs and summarises them under /ajax-api', async () => {
    const { runId, experimentId } = await newRun();
    const logged = await call(app(), 'POST', `${API}/runs/log-inputs`, {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'iris',
            digest: 'abc',
            source_type: 'local',
            source: '{"uri":"/x"}',
            schema: '{}',
          },
        },
      ],
    });
    expect(logged.body).toEqual({});
    const run = await call(app(), 'GET', `${API}/runs/get?run_id=${runId}`);
    expect(run.body.run.inputs).toEqual({
      dataset_inputs: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'iris',
            digest: 'abc',
            source_type: 'local',
            source: '{"uri":"/x"}',
            schema: '{}',
          },
        },
      ],
    });
    const summaries = await call(app(), 'POST', '/ajax-api/2.0/mlflow/experiments/search-datasets', {
      experiment_ids: [experimentId],
    });
    expect(summaries.body).toEqual({
      dataset_summaries: [{ experiment_id: experimentId, name: 'iris', digest: 'abc', context: 'training' }],
    });
  });

  it('appends log-model entries to mlflow.log-model.history, without flavor configs', async () => {
    const { runId } = await newRun();
    const model = {
      run_id: runId,
      artifact_path: 'model',
      utc_time_created: '2026-01-01 00:00:00.000000',
      flavors: { onnx: { onnx_version: '1.17', config: { big: true } } },
    };
    expect(
      (
        await call(app(), 'POST', `${API}/runs/log-model`, {
          run_id: runId,
          model_json: JSON.stringify(model),
        })
      ).body,
    ).toEqual({});
    await call(app(), 'POST', `${API}/runs/log-model`, {
      run_id: runId,
      model_json: JSON.stringify({ ...model, artifact_path: 'm2' }),
    });
    const run = await call(app(), 'GET', `${API}/runs/get?run_id=${runId}`);
    const history = JSON.parse(
      run.body.run.data.tags.find((t: { key: string }) => t.key === 'mlflow.log-model.history').value,
    );
    expect(history.map((h: { artifact_path: string }) => h.artifact_path)).toEqual(['model', 'm2']);
    expect(history[0].flavors).toEqual({ onnx: { onnx_version: '1.17' } });
    const missing = await call(app(), 'POST', `${API}/runs/log-model`, {
      run_id: runId,
      model_json: '{"flavors":{}}',
    });
    expect(missing.status).toBe(400);
  });

  it('serves sampled and bulk histories with run_id on each point', async () => {
    const { runId } = await newRun();
    await call(app(), 'POST', `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i })),
    });
    const sampled = await call(
      app(),
      'GET',
      `${API}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=loss&max_results=3`,
    );
    expect(sampled.body.metrics.every((m: { run_id: string }) => m.run_id === runId)).toBe(true);
    expect(sampled.body.metrics.map((m: { step: number }) => m.step)).toEqual(expect.arrayContaining([0, 9]));
    const bulk = await call(
      app(),
      'GET',
      `/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=${runId}&metric_key=loss`,
    );
    expect(bulk.body.metrics).toHaveLength(10);
    const oneSided = await call(
      app(),
      'GET',
      `${API}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=loss&start_step=2`,
    );
    expect(oneSided.status).toBe(400);
  });
});

describe('transport rules', () => {
  it('serves every endpoint under /ajax-api too', async () => {
    const res = await call(app(), 'POST', '/ajax-api/2.0/mlflow/experiments/search', { max_results: 1 });
    expect(res.status).toBe(200);
    expect(res.body.experiments).toHaveLength(1);
  });

  it('treats an empty body as {} and decodes a JSON-encoded string body twice', async () => {
    const empty = await call(app(), 'POST', `${API}/experiments/create`, '');
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/Missing value for required parameter 'name'/);
    const doubled = await call(
      app(),
      'POST',
      `${API}/experiments/create`,
      JSON.stringify(JSON.stringify({ name: 'double-encoded' })),
    );
    expect(doubled.status).toBe(200);
  });

  it('ignores unknown fields, as MLflow clients send extras such as run_uuid', async () => {
    const res = await call(app(), 'POST', `${API}/experiments/create`, { name: 'extras', unknown_field: 1 });
    expect(res.status).toBe(200);
  });

  it('refuses non-JSON bodies with 400, and wrong types or missing fields with INVALID_PARAMETER_VALUE', async () => {
    const form = await call(app(), 'POST', `${API}/experiments/create`, 'name=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(400);
    expect(form.body.message).toMatch(/Content-Type must be one of \[application\/json\]/);
    const text = await call(app(), 'POST', `${API}/experiments/create`, '{"name":"x"}', {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(400);
    const wrongType = await call(app(), 'POST', `${API}/experiments/create`, { name: { nested: true } });
    expect(wrongType).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(wrongType.body.message).toMatch(/'name'/);
    const missing = await call(app(), 'GET', `${API}/runs/get`);
    expect(missing.body).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/Missing value for required parameter 'run_id'/),
    });
    const malformed = await call(app(), 'POST', `${API}/experiments/create`, '{"name": ', {
      'content-type': 'application/json',
    });
    expect(malformed).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const boolMetric = await call(app(), 'POST', `${API}/runs/log-metric`, {
      run_id: 'a'.repeat(32),
      key: 'm',
      value: true,
      timestamp: 1,
    });
    expect(boolMetric.status).toBe(400);
  });

  it('refuses wrongly typed JSON fields as MLflow does, coercing nothing (tracking and registry)', async () => {
    const hint = (param: string, value: string, type: string) =>
      `Invalid value ${value} for parameter '${param}' supplied:  Hint: Value was of type '${type}'. ` +
      'See the API docs for more information about request parameters.';
    const cases: Array<[string, Record<string, unknown>, string, string, string]> = [
      ['/experiments/create', { name: 123 }, 'name', '123', 'int'],
      ['/experiments/create', { name: 'x', tags: { a: 'é' } }, 'tags', '{"a":"\\u00e9"}', 'dict'],
      ['/runs/delete', { run_id: 42 }, 'run_id', '42', 'int'],
      ['/runs/update', { run_id: ['a'] }, 'run_id', '["a"]', 'list'],
      ['/runs/search', { experiment_ids: '0' }, 'experiment_ids', '"0"', 'str'],
      ['/runs/log-parameter', { run_id: 'r', key: 'k', value: 1.5 }, 'value', '1.5', 'float'],
      ['/registered-models/create', { name: 7 }, 'name', '7', 'int'],
      ['/model-versions/create', { name: 'm', source: false }, 'source', 'false', 'bool'],
    ];
    for (const [path, body, param, value, type] of cases) {
      const res = await call(app(), 'POST', `${API}${path}`, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: hint(param, value, type) });
    }
    // Nothing was created by the refused requests.
    const search = await call(app(), 'POST', `${API}/experiments/search`, { filter: "name = '123'" });
    expect(search.body).toEqual({});
    // null is "not set" in proto JSON, and query strings stay text that is parsed.
    const nulls = await call(app(), 'POST', `${API}/experiments/create`, {
      name: `nulls-${Math.random()}`,
      artifact_location: null,
    });
    expect(nulls.status).toBe(200);
    const page = await call(app(), 'GET', `${API}/experiments/search?max_results=1`);
    expect(page.status).toBe(200);
    expect(page.body.experiments).toHaveLength(1);
  });

  it("answers with MLflow's own messages where MLflow's tests and clients match on them", async () => {
    const { runId } = await newRun();
    const docs = ' See the API docs for more information about request parameters.';
    const expectations: Array<[string, string, unknown, number, string]> = [
      [
        'POST',
        '/runs/log-batch',
        { run_id: runId, metrics: [{ key: 'a', value: 1 }] },
        400,
        `Missing value for required parameter 'metrics[0].timestamp'.${docs}`,
      ],
      [
        'POST',
        '/runs/search',
        { max_results: 123456789 },
        400,
        `Invalid value 123456789 for parameter 'max_results' supplied:  Hint: Value was of type 'int'.${docs}`,
      ],
      [
        'POST',
        '/experiments/search',
        { max_results: 60000 },
        400,
        "Invalid value 60000 for parameter 'max_results' supplied. It must be at most 50000",
      ],
      [
        'GET',
        '/metrics/get-history-bulk-interval?metric_key=a',
        undefined,
        400,
        `Missing value for required parameter 'run_ids'.${docs}`,
      ],
      [
        'GET',
        `/metrics/get-history-bulk-interval?run_ids=${runId}`,
        undefined,
        400,
        `Missing value for required parameter 'metric_key'.${docs}`,
      ],
      [
        'GET',
        `/metrics/get-history-bulk-interval?metric_key=a&${Array.from({ length: 101 }, (_, i) => `run_ids=r${i}`).join('&')}`,
        undefined,
        400,
        `GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.${docs}`,
      ],
      [
        'GET',
        `/metrics/get-history-bulk-interval?metric_key=a&run_ids=${runId}&max_results=2501`,
        undefined,
        400,
        `max_results must be between 1 and 2500.${docs}`,
      ],
      [
        'POST',
        '/runs/log-inputs',
        { datasets: [] },
        400,
        `Missing value for required parameter 'run_id'.${docs}`,
      ],
      ['GET', `/artifacts/list?run_id=${runId}&path=../path`, undefined, 400, 'Invalid path'],
      [
        'POST',
        '/experiments/create',
        { name: 'frag', artifact_location: 'http://host#/abc/etc/' },
        400,
        "'artifact_location' URL can't include fragments or params.",
      ],
      [
        'POST',
        '/experiments/create',
        { name: 'params', artifact_location: 'http://host/;..%2F..%2Fetc' },
        400,
        "'artifact_location' URL can't include fragments or params.",
      ],
    ];
    for (const [verb, path, body, status, message] of expectations) {
      const url = path.startsWith('/metrics/get-history-bulk-interval')
        ? `/ajax-api/2.0/mlflow${path}`
        : `${API}${path}`;
      const res = await call(app(), verb as 'GET' | 'POST', url, body);
      expect(res, path).toMatchObject({ status, body: { error_code: 'INVALID_PARAMETER_VALUE', message } });
    }
    // The traversal refusal is exactly MLflow's body, on every artifact route.
    for (const url of [
      `${API}/artifacts/list?run_id=${runId}&path=../path`,
      `/get-artifact?run_id=${runId}&path=../path`,
    ]) {
      expect((await call(app(), 'GET', url)).body).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Invalid path',
      });
    }
    // log-inputs needs no datasets.
    expect((await call(app(), 'POST', `${API}/runs/log-inputs`, { run_id: runId })).status).toBe(200);
  });

  it('makes a relative artifact_location absolute against the working folder, as MLflow', async () => {
    const name = `relative-${Math.random()}`;
    const created = await call(app(), 'POST', `${API}/experiments/create`, {
      name,
      artifact_location: 'my_location',
    });
    const got = await call(
      app(),
      'GET',
      `${API}/experiments/get?experiment_id=${created.body.experiment_id}`,
    );
    expect(got.body.experiment.artifact_location).toBe(`${process.cwd()}/my_location`);
  });

  it('answers unknown routes with 404 JSON and wrong verbs with 405 JSON', async () => {
    const unknown = await call(app(), 'GET', `${API}/no/such/thing`);
    expect(unknown).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    const verb = await call(app(), 'GET', `${API}/runs/create`);
    expect(verb).toMatchObject({ status: 405, body: { error_code: 'BAD_REQUEST' } });
    expect(verb.headers.allow).toBe('POST');
  });

  it('answers /health and /version as text, and echoes a request id', async () => {
    const health = await call(app(), 'GET', '/health');
    expect(health.text).toBe('OK');
    expect(health.headers['x-request-id']).toEqual(expect.any(String));
    expect((await call(app(), 'GET', '/version')).text).toMatch(/^\d+\.\d+\.\d+/);
    const echoed = await call(app(), 'GET', '/health', undefined, { 'x-request-id': 'trace-123' });
    expect(echoed.headers['x-request-id']).toBe('trace-123');
  });

  it('sends the security header baseline', async () => {
    const res = await call(app(), 'GET', '/health');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('refuses cross-site writes but allows same-origin and configured origins', async () => {
    const cross = await call(
      app(),
      'POST',
      `${API}/experiments/create`,
      { name: 'csrf' },
      { origin: 'https://evil.example', host: 'localhost:5000' },
    );
    expect(cross).toMatchObject({ status: 403, body: { error_code: 'PERMISSION_DENIED' } });
    const fetchSite = await call(
      app(),
      'POST',
      `${API}/experiments/create`,
      { name: 'csrf2' },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(fetchSite.status).toBe(403);
    const same = await call(
      app(),
      'POST',
      `${API}/experiments/create`,
      { name: 'same-origin' },
      { origin: 'http://localhost:5000', host: 'localhost:5000' },
    );
    expect(same.status).toBe(200);
    const reads = await call(app(), 'GET', '/health', undefined, { origin: 'https://evil.example' });
    expect(reads.status).toBe(200);
    const allowed = await memoryServer({ corsAllowedOrigins: ['https://ui.example'] });
    const ok = await call(
      allowed.app,
      'POST',
      `${API}/experiments/create`,
      { name: 'allowed' },
      { origin: 'https://ui.example', host: 'localhost:5000' },
    );
    expect(ok.status).toBe(200);
    await allowed.close();
  });

  it('never answers a client mistake with a 500', async () => {
    const junk: unknown[] = [
      null,
      5,
      'x',
      [],
      [1, 2],
      { run_id: 7 },
      { run_id: null },
      { experiment_ids: 'x' },
      { metrics: 'x' },
      { metrics: [null] },
      { metrics: [{ value: {} }] },
      { tags: [5] },
      { datasets: [{}] },
      { max_results: -1 },
      { max_results: 'many' },
      { status: [] },
      { run_id: 'a'.repeat(5000) },
    ];
    const routes = app()
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .map((l) => /(\/api\/2\.0\/mlflow\/[\w/-]+) \(([A-Z, ]+)\)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(routes.length).toBeGreaterThan(15);
    for (const [, path, methods] of routes) {
      for (const method of methods!.split(', ').filter((m) => m === 'GET' || m === 'POST')) {
        for (const payload of junk) {
          const res =
            method === 'GET'
              ? await call(
                  app(),
                  'GET',
                  `${path}?run_id=${encodeURIComponent(JSON.stringify(payload))}&max_results=-1&experiment_id=x`,
                )
              : await call(app(), 'POST', path!, payload);
          expect({
            path,
            method,
            payload,
            status: res.status < 500 ? 'client error or ok' : res.status,
          }).toEqual({
            path,
            method,
            payload,
            status: 'client error or ok',
          });
          if (res.status >= 400)
            expect(res.body).toEqual({ error_code: expect.any(String), message: expect.any(String) });
        }
      }
    }
  });
});
