// The served side of the serving benchmarks: serves a saved model with the scoring server in its own process
// (so the client's timings are not skewed by the server's work), posts `{ url }` once listening, answers the
// parent's `rss` questions with this process's resident memory (worker threads included) and stops on
// SIGTERM or SIGINT. Arguments: the model folder, then optionally the concurrency (maxConcurrentRequests
// and maxQueue).
import { loadModel } from '@flowline/model-format';
import { buildScoringServer } from '@flowline/server';

const [modelDir, concurrency] = process.argv.slice(2);
const model = await loadModel(modelDir);
const limits =
  concurrency === undefined
    ? {}
    : { maxConcurrentRequests: Number(concurrency), maxQueue: Number(concurrency) };
const app = await buildScoringServer({ model, ...limits });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.on('message', (message) => {
  if (message === 'rss') process.send({ rss: process.memoryUsage().rss });
});
process.send({ url });
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
