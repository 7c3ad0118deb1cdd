// CLI start-up: how long `flowline --help` and `flowline experiments search --help` take, against a bare
// `node -e ''` measured in the same run (interleaved, so load on the machine hits all three alike).
// Prints the median of RUNS runs of each, in ms, and the difference from bare node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);
const main = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error(`${main} is missing; build the CLI first: pnpm turbo run build --filter=@flowline/cli`);
  process.exit(1);
}

const cases = [
  { name: "node -e ''", args: ['-e', ''] },
  { name: 'flowline --help', args: [main, '--help'] },
  { name: 'flowline experiments search --help', args: [main, 'experiments', 'search', '--help'] },
];

/** Wall time of one `node …` in ms; fails loudly if the command does. */
function time(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

for (const c of cases) time(c.args); // warm the file cache
const samples = cases.map(() => []);
for (let i = 0; i < RUNS; i++) {
  for (const [k, c] of cases.entries()) samples[k].push(time(c.args));
}

const bare = median(samples[0]);
console.log(`median of ${RUNS} runs each (Node ${process.version})`);
for (const [k, c] of cases.entries()) {
  const ms = median(samples[k]);
  const diff = k === 0 ? '' : `   (+${(ms - bare).toFixed(0)} ms over bare node)`;
  console.log(`${c.name.padEnd(38)} ${ms.toFixed(0).padStart(5)} ms${diff}`);
}
