import { buildServer, ROUTE_SCHEMAS, type RouteOutput } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { API_PREFIX } from '../src/api/client.js';
import {
  LOGGED_MODEL_ENDPOINTS,
  type LoggedModelJson,
  latestMetrics,
  linkedRunIds,
  loggedModelArtifactUrl,
  orderItem,
  registrationsOf,
} from '../src/api/logged-models.js';
import { withoutPrompts } from '../src/api/prompts.js';
import { statusLabel } from '../src/components/logged-model-table.js';

const MODEL: LoggedModelJson = {
  info: {
    model_id: 'm-0123456789abcdef0123456789abcdef',
    experiment_id: '3',
    name: 'clf',
    creation_timestamp_ms: 1000,
    last_updated_timestamp_ms: 2000,
    artifact_uri: 'file:///tmp/mlruns/3/models/m-0123456789abcdef0123456789abcdef/artifacts',
    status: 'LOGGED_MODEL_READY',
    source_run_id: 'run-a',
    tags: [
      {
        key: 'mlflow.modelVersions',
        value: '[{"name": "clf", "version": 1}, {"name": "clf", "version": 2}]',
      },
    ],
  },
  data: {
    params: [{ key: 'lr', value: '0.01' }],
    metrics: [
      { key: 'acc', value: 0.8, timestamp: 10, step: 0, model_id: 'm-1', run_id: 'run-a' },
      {
        key: 'acc',
        value: 0.9,
        timestamp: 10,
        step: 1,
        model_id: 'm-1',
        run_id: 'run-b',
        dataset_name: 'eval',
      },
      { key: 'loss', value: 0.3, timestamp: 5, step: 0, model_id: 'm-1', run_id: 'run-a' },
    ],
  },
};

describe("the logged-model views' API calls", () => {
  it('are served under /ajax-api/2.0/mlflow, the file download too', async () => {
    const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: '/tmp/unused' });
    const app = await buildServer({ store, webRoot: null });
    try {
      const missing = LOGGED_MODEL_ENDPOINTS.filter((route) => {
        const [method, path] = route.split(' ') as ['GET' | 'POST', string];
        return !app.hasRoute({ method, url: API_PREFIX + path });
      });
      expect(missing).toEqual([]);
      expect(
        app.hasRoute({ method: 'GET', url: `${API_PREFIX}/logged-models/:model_id/artifacts/files` }),
      ).toBe(true);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it("are typed from the server's route schemas", () => {
    expect(Object.keys(ROUTE_SCHEMAS)).toEqual(expect.arrayContaining([...LOGGED_MODEL_ENDPOINTS]));
    expectTypeOf<
      Exclude<RouteOutput<'POST /logged-models/search'>['models'], undefined>[number]
    >().toEqualTypeOf<LoggedModelJson>();
  });
});

describe('logged-model helpers', () => {
  it("turn `field DESC` into MLflow's order_by item", () => {
    expect(orderItem('metrics.acc DESC')).toEqual({ field_name: 'metrics.acc', ascending: false });
    expect(orderItem('creation_timestamp_ms')).toEqual({
      field_name: 'creation_timestamp_ms',
      ascending: true,
    });
  });

  it('read the mlflow.modelVersions tag (json.dumps form), ignoring a bad one', () => {
    expect(registrationsOf(MODEL)).toEqual([
      { name: 'clf', version: '1' },
      { name: 'clf', version: '2' },
    ]);
    const bad = {
      ...MODEL,
      info: { ...MODEL.info, tags: [{ key: 'mlflow.modelVersions', value: '{oops' }] },
    };
    expect(registrationsOf(bad)).toEqual([]);
  });

  it('link the source run first, then the runs of its metrics', () => {
    expect(linkedRunIds(MODEL)).toEqual(['run-a', 'run-b']);
  });

  it('keep the latest value of each metric by timestamp, then step', () => {
    const latest = latestMetrics(MODEL);
    expect(latest.get('acc')?.value).toBe(0.9);
    expect(latest.get('loss')?.value).toBe(0.3);
  });

  it("name statuses as MLflow's entity does", () => {
    expect(statusLabel('LOGGED_MODEL_READY')).toBe('READY');
    expect(statusLabel('LOGGED_MODEL_PENDING')).toBe('PENDING');
    expect(statusLabel('LOGGED_MODEL_UPLOAD_FAILED')).toBe('FAILED');
    expect(statusLabel('LOGGED_MODEL_STATUS_UNSPECIFIED')).toBe('UNSPECIFIED');
  });

  it('download files from the ajax artifacts/files route', () => {
    expect(loggedModelArtifactUrl('m-1', 'sub dir/MLmodel')).toBe(
      '/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files?artifact_file_path=sub+dir%2FMLmodel',
    );
  });

  it('leave prompts out of the registered models', () => {
    const models = [
      { name: 'clf', tags: [] },
      { name: 'qa', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] },
    ] as unknown as Parameters<typeof withoutPrompts>[0];
    expect(withoutPrompts(models).map((m) => m.name)).toEqual(['clf']);
  });
});
