// The floor of the serving benchmark: node:http reading and parsing the same JSON body and answering a
// fixed prediction, with no model and no framework. It shows what HTTP alone costs on this machine.
import { createServer } from 'node:http';

const answer = JSON.stringify({ predictions: [[0, 0, 0, 0]] });
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
