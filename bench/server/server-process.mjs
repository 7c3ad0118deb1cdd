// The server side of the benchmark: serves a store over HTTP and, on request, measures the same store
// in-process, so both are timed in one process against the same database as it grows.
import { buildServer } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { batch, CLIENTS, load, seedRuns } from './common.mjs';

const [uri, perClientText] = process.argv.slice(2);
const perClient = Number(perClientText);
const store = await SqlTrackingStore.open(uri, { defaultArtifactRoot: '/tmp/bench-artifacts' });
const { runs, getTarget } = await seedRuns(store);
// Runs 0..7 take the in-process writes, runs 8..15 the HTTP ones; each round shifts steps so no point repeats.
async function inProcess(round) {
  // Points are built per call (about what the server's JSON.parse does per request), not held in memory.
  const logBatch = await load(perClient, (c, i) =>
    store.logBatch(runs[c], { metrics: batch(c, round * perClient + i) }),
  );
  const getRun = await load(perClient * 10, () => store.getRun(getTarget));
  return { logBatch, getRun };
}
await load(2, (c, i) => store.logBatch(runs[c], { metrics: batch(c, 1e6 + i) }));

const app = await buildServer({ store });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send({ url, runs: runs.slice(CLIENTS), getTarget });
process.on('message', async (msg) => {
  if (msg.measure !== undefined) process.send({ result: await inProcess(msg.measure) });
  if (msg.stop) {
    await app.close();
    await store.close();
    process.exit(0);
  }
});
