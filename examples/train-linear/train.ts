// Linear regression by gradient descent on a generated data set (y = 3x + 2 + noise), tracked with the
// Flowline client. Run it with `flowline run examples/train-linear -P epochs=60`: the run, its params,
// per-epoch metrics and the fitted model are recorded in the run that `flowline run` created.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logMetrics, logModel, logParams, logText, withRun } from '@flowline/client';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '40' },
    'learning-rate': { type: 'string', default: '0.1' },
    samples: { type: 'string', default: '200' },
    seed: { type: 'string', default: '7' },
  },
});
const epochs = Number(values.epochs);
const learningRate = Number(values['learning-rate']);
const samples = Number(values.samples);

// A small seeded generator, so a run is reproducible from its params.
let state = Number(values.seed) >>> 0 || 1;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
};
const xs = Array.from({ length: samples }, () => random() * 2 - 1);
const ys = xs.map((x) => 3 * x + 2 + (random() - 0.5) * 0.2);

await withRun(async () => {
  await logParams({ 'model.kind': 'linear', 'data.true_w': 3, 'data.true_b': 2 });
  let w = 0;
  let b = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let gw = 0;
    let gb = 0;
    let loss = 0;
    for (let i = 0; i < samples; i++) {
      const error = w * xs[i]! + b - ys[i]!;
      loss += error * error;
      gw += 2 * error * xs[i]!;
      gb += 2 * error;
    }
    w -= (learningRate * gw) / samples;
    b -= (learningRate * gb) / samples;
    await logMetrics({ loss: loss / samples, w, b }, { step: epoch });
  }
  await logModel(
    { code: fileURLToPath(new URL('./linear-model.mjs', import.meta.url)), modelConfig: { w, b } },
    'model',
    { inputExample: [{ x: 0.5 }] },
  );
  await logText(`w = ${w.toFixed(4)}, b = ${b.toFixed(4)} after ${epochs} epochs\n`, 'summary.txt');
  console.log(`fitted w=${w.toFixed(4)} b=${b.toFixed(4)}`);
});
