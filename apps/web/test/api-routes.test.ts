import {
  buildServer,
  ROUTE_SCHEMAS,
  type RouteInput,
  type RouteKey,
  type RouteOutput,
} from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { API_PREFIX, api, withQuery } from '../src/api/client.js';
import { ENDPOINTS } from '../src/api/endpoints.js';
import type { Experiment, FileInfo, ModelVersion, RegisteredModel, Run } from '../src/api/types.js';
import { parseOrder } from '../src/lib/columns.js';
import { parseCsv, previewKind, summarizeMlmodel } from '../src/lib/preview.js';
import { diffRows } from '../src/pages/compare-page.js';

describe("the UI's API calls", () => {
  it('exist on the server with the verbs the UI uses', async () => {
    const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: '/tmp/unused' });
    const app = await buildServer({ store, webRoot: null });
    try {
      const missing = ENDPOINTS.filter((route) => {
        const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PATCH' | 'DELETE', string];
        return !app.hasRoute({ method, url: API_PREFIX + path });
      });
      expect(missing).toEqual([]);
      expect(app.hasRoute({ method: 'GET', url: '/get-artifact' })).toBe(true);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it("are typed from the server's route schemas: each of ENDPOINTS is a key of ROUTE_SCHEMAS", () => {
    expect(Object.keys(ROUTE_SCHEMAS)).toEqual(expect.arrayContaining([...ENDPOINTS]));
  });

  it('types calls from the route schemas, so a drift fails tsc', () => {
    type Defined<T> = Exclude<T, undefined>;
    expectTypeOf<Defined<RouteOutput<'POST /runs/search'>['runs']>[number]>().toEqualTypeOf<Run>();
    expectTypeOf<
      Defined<RouteOutput<'POST /experiments/search'>['experiments']>[number]
    >().toEqualTypeOf<Experiment>();
    expectTypeOf(api).parameter(0).toEqualTypeOf<RouteKey>();
    // The registry and artifact listing too: no endpoint the UI calls answers `unknown`.
    expectTypeOf<
      Defined<RouteOutput<'GET /registered-models/search'>['registered_models']>[number]
    >().toEqualTypeOf<RegisteredModel>();
    expectTypeOf<Defined<RegisteredModel['latest_versions']>[number]>().toEqualTypeOf<ModelVersion>();
    expectTypeOf<
      Defined<RouteOutput<'GET /model-versions/search'>['model_versions']>[number]
    >().toEqualTypeOf<ModelVersion>();
    expectTypeOf<
      RouteOutput<'POST /model-versions/transition-stage'>['model_version']
    >().toEqualTypeOf<ModelVersion>();
    expectTypeOf<ModelVersion['status']>().toEqualTypeOf<
      'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY'
    >();
    expectTypeOf<ModelVersion['aliases']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<RegisteredModel['aliases']>().toEqualTypeOf<
      { alias: string; version: string }[] | undefined
    >();
    expectTypeOf<FileInfo>().toEqualTypeOf<{ path: string; is_dir: boolean; file_size?: number }>();
    expectTypeOf<RouteOutput<'GET /artifacts/list'>>().toEqualTypeOf<{
      root_uri?: string;
      files?: FileInfo[];
      next_page_token?: string;
    }>();
    expectTypeOf<keyof RouteOutput<'POST /registered-models/alias'>>().toBeNever();
    expectTypeOf<RouteOutput<RouteKey>>().not.toBeUnknown();
    expectTypeOf<RouteInput<'POST /runs/search'>['max_results']>().toEqualTypeOf<
      number | string | undefined
    >();
    expectTypeOf<RouteInput<'POST /model-versions/transition-stage'>>().toHaveProperty(
      'archive_existing_versions',
    );
    // @ts-expect-error: a field the request schema does not have is refused at compile time.
    const bad: RouteInput<'GET /runs/get'> = { run_id: 'x', no_such_field: 1 };
    // @ts-expect-error: so is a path that is not a route.
    const missing: RouteInput<'GET /runs/no-such-route'> = {};
    expect([bad.run_id, missing]).toEqual(['x', {}]);
  });

  it('repeats array query keys, as MLflow GET endpoints expect', () => {
    expect(withQuery('/x', { run_ids: ['a', 'b'], metric_key: 'loss', skip: undefined })).toBe(
      '/x?run_ids=a&run_ids=b&metric_key=loss',
    );
  });
});

describe('artifact previews', () => {
  it('chooses a preview by file name', () => {
    expect(
      ['MLmodel', 'a/b.png', 'c.json', 'd.yml', 'e.csv', 'f.txt', 'LICENSE', 'g.bin'].map(previewKind),
    ).toEqual(['mlmodel', 'image', 'json', 'yaml', 'csv', 'text', 'text', 'none']);
  });

  it('parses CSV with quotes, escaped quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n1,2')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', '2'],
    ]);
    expect(parseCsv('a\n1\n2\n3', 2)).toEqual([['a'], ['1']]);
  });

  it('summarizes an MLmodel with column and tensor signatures', () => {
    const summary = summarizeMlmodel(`artifact_path: model
flavors:
  onnx: {onnx_version: 1.16.0}
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'
  outputs: '[{"name": "y", "type": "double"}]'
`);
    expect(summary.flavors).toEqual([{ name: 'onnx', details: 'onnx_version: 1.16.0' }]);
    expect(summary.inputs).toEqual([
      { name: undefined, type: 'tensor float32', shape: '[-1,4]', optional: undefined },
    ]);
    expect(summary.outputs?.[0]).toMatchObject({ name: 'y', type: 'double' });
  });
});

describe('compare and sort helpers', () => {
  it('marks params and metrics that differ between runs', () => {
    const run = (lr: string, loss: number) => ({
      info: {
        run_id: lr,
        run_uuid: lr,
        experiment_id: '1',
        status: 'FINISHED' as const,
        lifecycle_stage: 'active' as const,
      },
      data: {
        params: [
          { key: 'lr', value: lr },
          { key: 'seed', value: '1' },
        ],
        metrics: [{ key: 'loss', value: loss, step: 0, timestamp: 0 }],
      },
      inputs: {},
    });
    const rows = diffRows([run('0.1', 1), run('0.2', 1)]);
    expect(rows.map((r) => [r.kind, r.key, r.differs])).toEqual([
      ['param', 'lr', true],
      ['param', 'seed', false],
      ['metric', 'loss', false],
    ]);
  });

  it("reads MLflow's order_by items", () => {
    expect(parseOrder('metrics.`val loss` DESC')).toEqual({ key: 'metrics.`val loss`', descending: true });
    expect(parseOrder('attributes.start_time')).toEqual({ key: 'attributes.start_time', descending: false });
  });
});
