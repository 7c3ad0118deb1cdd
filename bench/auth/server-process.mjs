// The server side of the auth benchmark: one tracking store served twice, by a server without auth and by
// one with MLflow's basic-auth app, so both are timed in one process against the same database.
import { join } from 'node:path';
import { SqlAuthStore } from '@flowline/auth';
import { buildServer } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { seedRuns } from '../server/common.mjs';

const [uri, dir] = process.argv.slice(2);
const store = await SqlTrackingStore.open(uri, { defaultArtifactRoot: '/tmp/bench-artifacts' });
const auth = await SqlAuthStore.open(`sqlite:///${join(dir, 'basic_auth.db')}`);
const { exp, runs, getTarget } = await seedRuns(store);
// A plain user holding EDIT on the experiment: every request takes the permission path, not the admin one.
await auth.createUser('bench', 'bench-password-123');
await auth.createExperimentPermission(exp, 'bench', 'EDIT');
const t0 = performance.now();
const verified = await auth.authenticate('bench', 'bench-password-123');
const verifyMs = performance.now() - t0;
if (!verified) throw new Error('bench user does not verify');

const plain = await buildServer({ store, webRoot: null });
const guarded = await buildServer({
  store,
  webRoot: null,
  auth: {
    store: auth,
    config: { defaultPermission: 'READ', authCacheTtlSeconds: 30, authCacheMaxSize: 1000 },
  },
});
const plainUrl = await plain.listen({ host: '127.0.0.1', port: 0 });
const authUrl = await guarded.listen({ host: '127.0.0.1', port: 0 });
process.send({ plainUrl, authUrl, runs, getTarget, verifyMs });
process.on('message', async (msg) => {
  if (msg.stop) {
    await plain.close();
    await guarded.close();
    await store.close();
    await auth.close();
    process.exit(0);
  }
});
