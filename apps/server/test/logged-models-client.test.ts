import { TrackingClient } from '@flowline/client';
import { isMlflowError, type LoggedModelStore } from '@flowline/core';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedModelStoreOf } from '../src/routes/logged-models-wire.js';
import { type StoreServer, storeServer } from './store-server.js';

// TrackingClient's logged-model methods against a real server on a loopback port: what the client reads
// back is what the store holds, so the client is a `LoggedModelStore` like the SQL store.

for (const target of storeTargets()) {
  describe(`TrackingClient's logged models over HTTP (${target.name})`, () => {
    let server: StoreServer;
    let client: TrackingClient;
    let store: LoggedModelStore;
    let experimentId: string;
    let runId: string;

    beforeAll(async () => {
      server = await storeServer(target, { proxy: true });
      store = loggedModelStoreOf(server.tracking);
      const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
      client = new TrackingClient(url, { maxRetries: 0 });
      experimentId = await server.tracking.createExperiment({ name: 'client-logged-models' });
      runId = (await server.tracking.createRun({ experimentId })).info.runId;
    });
    afterAll(async () => server?.close());

    it('creates, finalizes, tags, logs params and reads back what the store holds', async () => {
      const created = await client.createLoggedModel({
        experimentId,
        name: 'model',
        modelType: 'agent',
        sourceRunId: runId,
        params: { lr: '0.1' },
        tags: { 'a/b': 'c' },
      });
      expect(created).toEqual(await store.getLoggedModel(created.modelId));
      expect(created.status).toBe('LOGGED_MODEL_PENDING');

      const ready = await client.finalizeLoggedModel(created.modelId, 'LOGGED_MODEL_READY');
      expect(ready.status).toBe('LOGGED_MODEL_READY');
      await client.setLoggedModelTags(created.modelId, { x: '1', y: '2' });
      await client.deleteLoggedModelTag(created.modelId, 'a/b');
      await client.logLoggedModelParams(created.modelId, { epochs: '3' });
      const read = await client.getLoggedModel(created.modelId);
      expect(read).toEqual(await store.getLoggedModel(created.modelId));
      expect(read.tags).toEqual({ x: '1', y: '2' });
      expect(read.params).toEqual({ lr: '0.1', epochs: '3' });
    });

    it('searches and pages as the store does', async () => {
      const exp = await server.tracking.createExperiment({ name: 'client-logged-models-search' });
      for (const name of ['a', 'b', 'c']) await client.createLoggedModel({ experimentId: exp, name });
      const options = { experimentIds: [exp], orderBy: [{ fieldName: 'name' }], maxResults: 2 };
      const first = await client.searchLoggedModels(options);
      // Page tokens are opaque (they fingerprint the request as the server read it): compare the models.
      expect(first.items).toEqual((await store.searchLoggedModels(options)).items);
      expect(first.nextPageToken).toEqual(expect.any(String));
      expect(first.items.map((m) => m.name)).toEqual(['a', 'b']);
      const second = await client.searchLoggedModels({ ...options, pageToken: first.nextPageToken });
      expect(second.items.map((m) => m.name)).toEqual(['c']);
      expect(second.nextPageToken).toBeUndefined();
      const filtered = await client.searchLoggedModels({ experimentIds: [exp], filter: "name = 'b'" });
      expect(filtered.items.map((m) => m.name)).toEqual(['b']);
    });

    it('deletes softly, and reports unknown models with MLflow codes', async () => {
      const { modelId } = await client.createLoggedModel({ experimentId });
      await client.deleteLoggedModel(modelId);
      const error = await client.getLoggedModel(modelId).catch((e: unknown) => e);
      expect(isMlflowError(error) && error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await client.getLoggedModel(modelId, { allowDeleted: true })).modelId).toBe(modelId);
      const tag = await client.deleteLoggedModelTag(modelId, 'none').catch((e: unknown) => e);
      expect(isMlflowError(tag) && tag.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });
}
