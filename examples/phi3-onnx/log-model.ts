// Logs the Phi-3 custom JS model into a run (MLflow's walkthrough: `mlflow.pyfunc.log_model` with the
// model folder as the `phi3-mini-onnx` artifact and an input example for the signature), and prints the
// model URI. Run it with `tsx log-model.ts --model-dir <folder>` or through `flowline run`.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logModel, withRun } from '@flowline/client';

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    'max-length': { type: 'string', default: '300' },
    temperature: { type: 'string', default: '0.2' },
    'artifact-path': { type: 'string', default: 'phi3' },
  },
});
if (!values['model-dir']) {
  console.error('usage: tsx log-model.ts --model-dir <ONNX Runtime GenAI folder> [--max-length 300]');
  process.exit(2);
}

await withRun(async () => {
  const logged = await logModel(
    {
      code: fileURLToPath(new URL('./phi3-model.mjs', import.meta.url)),
      artifacts: { 'phi3-mini-onnx': values['model-dir']! },
      dependencies: ['@flowline/onnx-genai'],
      modelConfig: { max_length: Number(values['max-length']), temperature: Number(values.temperature) },
    },
    values['artifact-path']!,
    { inputExample: { prompt: 'What is machine learning?' } },
  );
  console.log(logged.modelUri);
});
