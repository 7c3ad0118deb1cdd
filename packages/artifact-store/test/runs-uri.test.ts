import { SqlTrackingStore } from '@flowline/tracking-store';
import { describe, expect, it } from 'vitest';
import { resolveRunsUri } from '../src/index.js';

describe('resolveRunsUri', () => {
  it("resolves runs:/<id>/<path> through the tracking store to the run's artifact URI", async () => {
    const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: 's3://bucket/root' });
    const run = await store.createRun({});
    expect(await resolveRunsUri(`runs:/${run.info.runId}/model/MLmodel`, store)).toEqual({
      artifactUri: `s3://bucket/root/0/${run.info.runId}/artifacts/model/MLmodel`,
      runId: run.info.runId,
      path: 'model/MLmodel',
    });
    expect((await resolveRunsUri(`runs:/${run.info.runId}`, store)).artifactUri).toBe(run.info.artifactUri);
    await expect(resolveRunsUri(`runs:/${'0'.repeat(32)}/x`, store)).rejects.toThrow(/not found/);
    await store.close();
  });
});
