// The server side of the serving benchmark: loads the saved model and serves it with the scoring server.
import { loadModel } from '@flowline/model-format';
import { buildScoringServer } from '@flowline/server';

const [modelDir] = process.argv.slice(2);
const model = await loadModel(modelDir);
const app = await buildScoringServer({ model });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send({ url });
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
