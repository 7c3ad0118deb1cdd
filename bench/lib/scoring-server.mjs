// Starting the scoring server in a child process (scoring-server-process.mjs), for the serving benchmarks.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Forks the scoring server on the saved model in `modelDir` (`concurrency`: its request and queue limits,
 * else the server's defaults) with node's fork `options`; resolves once it listens with its URL, a way to ask
 * its resident memory and `stop()`, or rejects if it exits first.
 */
export async function startScoringServer(modelDir, { concurrency, ...options } = {}) {
  const args = concurrency === undefined ? [modelDir] : [modelDir, String(concurrency)];
  const child = fork(fileURLToPath(new URL('./scoring-server-process.mjs', import.meta.url)), args, options);
  const url = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  const rss = () =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.rss));
      child.send('rss');
    });
  const stop = () => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'));
  return { child, url, rss, stop };
}
