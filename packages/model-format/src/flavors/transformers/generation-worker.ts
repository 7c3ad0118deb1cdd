// The worker thread behind `WorkerGenerator`: it loads the model's text-generation pipeline (as the flavor
// does on the main thread) and runs one generation at a time, posting each text piece as the streamer
// decodes it. transformers.js generates one sequence per call and has no continuous batching, so requests
// take turns; the main thread keeps the queue. Idle, the worker only waits for the next message.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type GenerationPipeline, generateText, type StreamerClass } from './generate-text.js';
import {
  type FromGenerationWorker,
  type GenerationWorkerData,
  serializeError,
  type ToGenerationWorker,
} from './generation-protocol.js';
import { type LoadedPipeline, loadPipeline } from './load-pipeline.js';

function parent(): MessagePort {
  if (!parentPort)
    throw new Error('generation-worker.js is the entry of a worker thread; load the model with loadModel.');
  return parentPort;
}
const port = parent();

function post(message: FromGenerationWorker): void {
  port.postMessage(message);
}

/** Serves the main thread's messages with this pipeline. */
function serve(loaded: LoadedPipeline): void {
  const pipe = loaded.pipeline as GenerationPipeline;
  const Streamer = loaded.transformers.TextStreamer as unknown as StreamerClass;
  const stats = { generations: 0, generatedTokens: 0 };
  let current: { id: number; controller: AbortController } | null = null;
  let closing = false;

  /** Releases the sessions; with the port closed the thread ends. */
  const shutdown = () => void loaded.dispose().finally(() => port.close());

  async function run({ id, input, options }: ToGenerationWorker & { type: 'generate' }): Promise<void> {
    if (current) {
      // The main thread sends one at a time; a second would run two generations on one session.
      post({ type: 'error', id, error: { message: 'The generation worker is busy.' }, stats });
      return;
    }
    const controller = new AbortController();
    current = { id, controller };
    stats.generations++;
    try {
      // onnxruntime-node yields to this thread's event loop before each run, so a cancel arrives
      // between tokens and the stopping criterion sees it at the next one.
      const result = await generateText(
        pipe,
        Streamer,
        input,
        options,
        (text, tokens) => {
          if (!controller.signal.aborted) post({ type: 'text', id, text, tokens });
        },
        controller.signal,
      );
      stats.generatedTokens += result.completionTokens;
      post({ type: 'done', id, result, stats });
    } catch (error) {
      post({ type: 'error', id, error: serializeError(error), stats });
    } finally {
      current = null;
      if (closing) shutdown();
    }
  }

  port.on('message', (message: ToGenerationWorker) => {
    if (closing) return;
    if (message.type === 'generate') void run(message);
    else if (message.type === 'cancel') {
      if (current?.id === message.id) current.controller.abort();
    } else {
      // Closing waits for the generation in flight to stop (terminating the thread inside onnxruntime's
      // run would abort the process).
      closing = true;
      if (current) current.controller.abort();
      else shutdown();
    }
  });
  post({ type: 'ready' });
}

const { dir, config } = workerData as GenerationWorkerData;
let loaded: LoadedPipeline | undefined;
try {
  loaded = await loadPipeline(dir, config);
  serve(loaded);
} catch (error) {
  await loaded?.dispose().catch(() => {});
  // Closing the port lets the thread end once the message is out; the main thread rejects the load with it.
  post({ type: 'failed', error: serializeError(error) });
  port.close();
}
