// The served side of the LLM serving benchmark: serves the saved chat model with the scoring server in
// its own process (so the client's timings are not skewed by the server's work) and answers the parent's
// `rss` questions with this process's resident memory (the engine's worker thread included).
import { loadModel } from '@flowline/model-format';
import { buildScoringServer } from '@flowline/server';

const [modelDir, concurrency] = process.argv.slice(2);
const model = await loadModel(modelDir);
const app = await buildScoringServer({
  model,
  maxConcurrentRequests: Number(concurrency),
  maxQueue: Number(concurrency),
});
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
