// The server side of the artifact benchmark: a tracking server whose proxy writes to a local folder.
import { buildServer, createArtifactAccess } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';

const destination = process.argv[2];
const store = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: 'mlflow-artifacts:/' });
const app = await buildServer({ store, artifacts: createArtifactAccess(destination) });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
global.gc?.();
const rssAtStart = process.memoryUsage().rss;
let peak = rssAtStart;
// maxRSS covers the whole life of the process; sampling gives the peak during the transfers alone.
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20).unref();
process.send({ url, rssAtStart });
process.on('message', async (msg) => {
  if (msg === 'rss') process.send({ peak, rssAtStart });
  if (msg === 'stop') {
    await app.close();
    await store.close();
    process.exit(0);
  }
});
