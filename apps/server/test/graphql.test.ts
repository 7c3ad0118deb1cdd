import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, memoryServer } from './helpers.js';
import { type StoreServer, storeServer } from './store-server.js';

const JSON_UTF8 = { 'content-type': 'application/json; charset=utf-8' };

/** Posts a GraphQL request as MLflow's tests and UI do. */
function gql(server: { app: StoreServer['app'] }, query: string, extra: Record<string, unknown> = {}) {
  return call(server.app, 'POST', '/graphql', { query, ...extra }, JSON_UTF8);
}

for (const target of storeTargets()) {
  describe(`/graphql (${target.name})`, () => {
    let server: StoreServer;
    let experimentId: string;
    let runId: string;
    beforeAll(async () => {
      server = await storeServer(target);
      await server.registry.createRegisteredModel({ name: 'GraphqlTest' });
      experimentId = await server.tracking.createExperiment({
        name: 'GraphqlTest',
        tags: [{ key: 'team', value: 'ml' }],
      });
      runId = (await server.tracking.createRun({ experimentId, startTime: 1000 })).info.runId;
      await server.registry.createModelVersion({
        name: 'GraphqlTest',
        source: `runs:/${runId}/model`,
        runId,
      });
      for (let i = 0; i < 10; i++)
        await server.tracking.logMetric(runId, { key: 'metric_0', value: i, timestamp: 100 + i, step: i });
      await server.tracking.logMetric(runId, { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 });
      for (const path of ['test.txt', 'testDir/test.txt']) {
        const res = await server.app.inject({
          method: 'POST',
          url: `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${path}`,
          payload: 'hello world',
        });
        expect(res.statusCode).toBe(200);
      }
      await server.tracking.logInputs(runId, [
        {
          dataset: { name: 'test-dataset-1', digest: '12345', sourceType: 'script', source: 'test' },
          tags: [],
        },
        {
          dataset: { name: 'test-dataset-2', digest: '12346', sourceType: 'script', source: 'test' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ]);
    });
    afterAll(async () => server.close());

    it('answers the echo query, with errors null (test_graphql_handler)', async () => {
      const res = await gql(server, 'query testQuery {test(inputString: "abc") { output }}', {
        operationName: 'testQuery',
      });
      expect(res).toMatchObject({ status: 200, body: { data: { test: { output: 'abc' } }, errors: null } });
      const mutation = await gql(server, 'mutation { testMutation(inputString: "x") { output } }');
      expect(mutation.body.data).toEqual({ testMutation: { output: 'x' } });
    });

    it('gets an experiment with LongString times (test_get_experiment_graphql)', async () => {
      const res = await gql(
        server,
        `query testQuery {mlflowGetExperiment(input: {experimentId: "${experimentId}"}) {
          experiment { experimentId name lifecycleStage creationTime lastUpdateTime tags { key value } }
          apiError { code message }
        }}`,
        { operationName: 'testQuery' },
      );
      expect(res.status).toBe(200);
      const { experiment, apiError } = res.body.data.mlflowGetExperiment;
      expect(experiment).toMatchObject({
        experimentId,
        name: 'GraphqlTest',
        lifecycleStage: 'active',
        tags: [{ key: 'team', value: 'ml' }],
      });
      expect(experiment.creationTime).toMatch(/^\d+$/);
      expect(apiError).toBeNull();
    });

    it('gets a run with its experiment and model versions (test_get_run_and_experiment_graphql)', async () => {
      const res = await gql(
        server,
        `query testQuery @component(name: "Test") {
          mlflowGetRun(input: {runId: "${runId}"}) {
            run {
              info { runId runUuid status startTime endTime artifactUri }
              data { metrics { key value step timestamp runId } params { key } }
              inputs { datasetInputs { dataset { name digest schema } tags { key value } } }
              experiment { name }
              modelVersions { name version status creationTimestamp }
            }
          }
        }`,
        { operationName: 'testQuery' },
      );
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeNull();
      const { run } = res.body.data.mlflowGetRun;
      // Unset numbers read 0 and unset lists [], as graphene reads MLflow's proto messages.
      expect(run.info).toMatchObject({
        runId,
        runUuid: runId,
        status: 'RUNNING',
        startTime: '1000',
        endTime: '0',
      });
      expect(run.experiment.name).toBe('GraphqlTest');
      expect(run.modelVersions).toEqual([
        {
          name: 'GraphqlTest',
          version: '1',
          status: 'READY',
          creationTimestamp: expect.stringMatching(/^\d+$/),
        },
      ]);
      expect(run.data.params).toEqual([]);
      const metrics = Object.fromEntries(run.data.metrics.map((m: { key: string }) => [m.key, m]));
      expect(metrics.metric_0).toEqual({ key: 'metric_0', value: 9, step: '9', timestamp: '109', runId });
      expect(metrics.nan.value).toBeNull();
      expect(run.inputs.datasetInputs).toHaveLength(2);
      expect(run.inputs.datasetInputs[0].dataset.schema).toBe('');
    });

    it('samples metric history in bulk (test_get_metric_history_bulk_interval_graphql)', async () => {
      const res = await gql(
        server,
        `query testQuery {
          mlflowGetMetricHistoryBulkInterval(input: { runIds: ["${runId}"], metricKey: "metric_0" }) {
            metrics { key timestamp value }
          }
        }`,
        { operationName: 'testQuery' },
      );
      expect(res.status).toBe(200);
      expect(res.body.data.mlflowGetMetricHistoryBulkInterval.metrics).toEqual(
        Array.from({ length: 10 }, (_, i) => ({ key: 'metric_0', timestamp: expect.any(String), value: i })),
      );
    });

    it('takes the UI query with variables and __typename', async () => {
      const res = await gql(
        server,
        `query GetMetricHistoryBulkInterval($data: MlflowGetMetricHistoryBulkIntervalInput!)
        @component(name: "MLflow.ExperimentRunTracking") {
          mlflowGetMetricHistoryBulkInterval(input: $data) {
            __typename
            metrics { timestamp step runId key value }
            apiError { code message }
          }
        }`,
        { variables: { data: { runIds: [runId], metricKey: 'metric_0', maxResults: 3 } } },
      );
      expect(res.body.errors).toBeNull();
      const answer = res.body.data.mlflowGetMetricHistoryBulkInterval;
      expect(answer.__typename).toBe('MlflowGetMetricHistoryBulkIntervalResponse');
      expect(answer.metrics.length).toBeLessThanOrEqual(4);
      expect(answer.metrics[0]).toMatchObject({ runId, key: 'metric_0', step: '0' });
    });

    it('searches runs as a mutation and as a query (test_search_runs_graphql)', async () => {
      const second = (await server.tracking.createRun({ experimentId, startTime: 2000 })).info.runId;
      for (const kind of ['mutation', 'query']) {
        const res = await gql(
          server,
          `${kind} testMutation {
            mlflowSearchRuns(input: { experimentIds: ["${experimentId}"] }) { runs { info { runId } } nextPageToken }
          }`,
          { operationName: 'testMutation' },
        );
        expect(res.body.data.mlflowSearchRuns).toEqual({
          runs: [{ info: { runId: second } }, { info: { runId } }],
          nextPageToken: '',
        });
      }
      await server.tracking.deleteRun(second);
    });

    it('lists artifacts through fragments and aliases (test_list_artifacts_graphql)', async () => {
      const res = await gql(
        server,
        `fragment FilesFragment on MlflowListArtifactsResponse { files { path isDir fileSize } }
        query testQuery {
          file: mlflowListArtifacts(input: { runId: "${runId}" }) { ...FilesFragment }
          subdir: mlflowListArtifacts(input: { runId: "${runId}", path: "testDir" }) { ...FilesFragment }
        }`,
        { operationName: 'testQuery' },
      );
      expect(res.body.errors).toBeNull();
      expect(res.body.data.file.files).toEqual(
        expect.arrayContaining([
          { path: 'test.txt', isDir: false, fileSize: '11' },
          { path: 'testDir', isDir: true, fileSize: '0' },
        ]),
      );
      expect(res.body.data.subdir.files).toEqual([
        { path: 'testDir/test.txt', isDir: false, fileSize: '11' },
      ]);
    });

    it('searches datasets and model versions (test_search_datasets_graphql)', async () => {
      const datasets = await gql(
        server,
        `mutation testMutation {
          mlflowSearchDatasets(input: {experimentIds: ["${experimentId}"]}) {
            datasetSummaries { experimentId name digest context }
          }
        }`,
      );
      const summaries = [...datasets.body.data.mlflowSearchDatasets.datasetSummaries].sort((a, b) =>
        a.digest.localeCompare(b.digest),
      );
      expect(summaries).toEqual([
        { experimentId, name: 'test-dataset-1', digest: '12345', context: '' },
        { experimentId, name: 'test-dataset-2', digest: '12346', context: 'training' },
      ]);
      const versions = await gql(
        server,
        `{ mlflowSearchModelVersions(input: { filter: "name='GraphqlTest'", maxResults: 5 }) {
          modelVersions { name version source runId aliases tags { key } } nextPageToken
        } }`,
      );
      expect(versions.body.data.mlflowSearchModelVersions).toEqual({
        modelVersions: [
          { name: 'GraphqlTest', version: '1', source: `runs:/${runId}/model`, runId, aliases: [], tags: [] },
        ],
        nextPageToken: '',
      });
    });

    it("returns a store's error as MLflow does: the field null and the message in errors", async () => {
      const res = await gql(
        server,
        `{ mlflowGetRun(input: {runId: "${'f'.repeat(32)}"}) { run { info { runId } } } }`,
      );
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ mlflowGetRun: null });
      expect(res.body.errors).toEqual([expect.stringMatching(/not found|does not exist|No run/i)]);
      const missing = await gql(server, '{ mlflowGetExperiment { experiment { name } } }');
      expect(missing.body.errors).toEqual([
        expect.stringContaining("Missing value for required parameter 'experiment_id'"),
      ]);
      const bad = await gql(
        server,
        `{ mlflowListArtifacts(input: {runId: "${runId}", path: "../x"}) { files { path } } }`,
      );
      expect(bad.body.errors).toEqual([expect.stringMatching(/^Invalid path/)]);
    });

    it('answers invalid and unparsable queries with 200 and the messages', async () => {
      const unknown = await gql(server, '{ mlflowGetExperiment(input: {experimentId: "0"}) { nope } }');
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual({
        data: null,
        errors: [expect.stringContaining('Cannot query field "nope" on type "MlflowGetExperimentResponse"')],
      });
      const syntax = await gql(server, '{ mlflowGetExperiment(');
      expect(syntax).toMatchObject({
        status: 200,
        body: { data: null, errors: [expect.stringMatching(/^Syntax Error/)] },
      });
      const noQuery = await call(server.app, 'POST', '/graphql', {}, JSON_UTF8);
      expect(noQuery).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
      const form = await call(server.app, 'POST', '/graphql', 'query=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(400);
    });

    it('serves GET with the request in the query string', async () => {
      const query = encodeURIComponent('query Q($s: String) { test(inputString: $s) { output } }');
      const variables = encodeURIComponent(JSON.stringify({ s: 'via get' }));
      const res = await call(
        server.app,
        'GET',
        `/graphql?query=${query}&variables=${variables}&operationName=Q`,
      );
      expect(res.body).toEqual({ data: { test: { output: 'via get' } }, errors: null });
      const bad = await call(server.app, 'GET', `/graphql?query=${query}&variables=%7Bnope`);
      expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    });
  });
}

describe("/graphql limits, as MLflow's test_graphql_handler_batching_raise_error", () => {
  let server: Awaited<ReturnType<typeof memoryServer>>;
  beforeAll(async () => {
    server = await memoryServer({ webRoot: null });
  });
  afterAll(async () => server.close());

  it('refuses more than 10 root fields', async () => {
    const fields = Array.from({ length: 12 }, (_, i) => `key_${i}: test(inputString: "abc") { output }`);
    const res = await gql(server, `query testQuery {${fields.join(' ')}}`, { operationName: 'testQuery' });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors[0]).toBe(
      'GraphQL queries should have at most 10 root fields, got 12 root fields. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.',
    );
  });

  it('refuses more than 10 aliases in a selection set', async () => {
    const aliases = Array.from({ length: 12 }, (_, i) => `experiment_${i}: experiment { name }`);
    const res = await gql(
      server,
      `query testQuery {mlflowGetExperiment(input: {experimentId: "123"}) {${aliases.join(' ')}}}`,
    );
    expect(res.body.errors[0]).toContain('queries should have at most 10 aliases');
  });

  it('refuses nesting deeper than 10 and more than 1000 selections, even through fragments', async () => {
    let inner = 'name';
    for (let i = 0; i < 12; i++) inner = `name { ${inner} }`;
    const deep = await gql(
      server,
      `query testQuery { mlflowGetExperiment(input: {experimentId: "123"}) { experiment { ${inner} } } }`,
    );
    expect(deep.body.errors[0]).toContain('Query exceeds maximum depth of 10');
    const wide = Array.from({ length: 1002 }, (_, i) => `field_${i} { name }`);
    const many = await gql(
      server,
      `query testQuery { mlflowGetExperiment(input: {experimentId: "123"}) { experiment { ${wide.join(' ')} } } }`,
    );
    expect(many.body.errors[0]).toContain('Query exceeds maximum total selections of 1000');
    const cyclic = await gql(
      server,
      'fragment A on Test { ...B } fragment B on Test { ...A } { test { ...A } }',
    );
    expect(cyclic.status).toBe(200);
    expect(cyclic.body.errors[0]).toMatch(/Cannot spread fragment/);
  });

  it('answers registry queries without a registry with its message, and runs without versions', async () => {
    const res = await gql(server, '{ mlflowSearchModelVersions(input: {}) { modelVersions { name } } }');
    expect(res.body.errors).toEqual(['This server has no model registry store configured.']);
    const runId = (await server.store.createRun({})).info.runId;
    const run = await gql(
      server,
      `{ mlflowGetRun(input: {runId: "${runId}"}) { run { modelVersions { name } } } }`,
    );
    expect(run.body).toEqual({ data: { mlflowGetRun: { run: { modelVersions: [] } } }, errors: null });
  });
});
