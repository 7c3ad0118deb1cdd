import cluster, { type Worker } from 'node:cluster';
import { readFile, writeFile } from 'node:fs/promises';
import { MlflowError } from '@flowline/core';
import type { LoadedModel } from '@flowline/model-format';
import type { Invocation } from '@flowline/server';
import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { commaList, envFlag, numberBetween, portNumber, wholeNumber } from '../arguments.js';
import { ExitCode } from '../exit-codes.js';
import { openModelContext } from '../model-context.js';
import type { GlobalOptions } from './globals.js';
import { registerModelImages } from './models-image.js';

/**
 * Loads a model by URI with the tracking store, registry and artifact repositories of the tracking URI;
 * `close` releases the model (its sessions and any downloaded copy) and the stores.
 */
async function load(uri: string, g: GlobalOptions): Promise<{ model: LoadedModel; close(): Promise<void> }> {
  const { context, close } = await openModelContext(uri, g);
  try {
    const { loadModel } = await import('@flowline/model-format');
    const model = await loadModel(uri, context);
    return {
      model,
      close: async () => {
        try {
          await model.close();
        } finally {
          await close();
        }
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `flowline models serve`'s options as commander hands them over. */
interface ServeOptions {
  modelUri: string;
  host: string;
  port: number;
  workers: number;
  allowedHosts?: string;
  servedModelName?: string;
  bodyIdleTimeout: number;
  enableStackTraces?: boolean;
  apiKey?: string;
  maxConcurrentRequests: number;
  maxQueue: number;
  requestTimeout: number;
  traceTo?: string;
  experiment?: string;
  experimentId?: string;
}

/** The served model's name and aliases: `--served-model-name`'s list, then the model URI. */
function servedNames(opts: ServeOptions): { modelName: string; modelAliases: string[] } {
  const names = opts.servedModelName ? commaList(opts.servedModelName) : [];
  const [modelName = opts.modelUri, ...rest] = names;
  return { modelName, modelAliases: [...rest, opts.modelUri] };
}

/** `flowline models serve|predict`: MLflow's scoring server and batch scoring. */
export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('Serve a model over MLflow’s scoring protocol, or score a file with it.');

  models
    .command('serve')
    .description(
      'Serve a model: GET /ping, /health, /version and POST /invocations (MLflow’s scoring protocol).',
    )
    .helpOption('--help', 'show help for this command')
    .addOption(
      new Option(
        '-m, --model-uri <uri>',
        'model to serve: a folder, runs:/<run>/<path>, models:/<name>/<version|stage>, models:/<name>@<alias>',
      )
        .env('FLOWLINE_SCORING_MODEL_URI')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('-h, --host <host>', 'interface to bind').env('FLOWLINE_SCORING_HOST').default('127.0.0.1'),
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on')
        .env('FLOWLINE_SCORING_PORT')
        .default(5000)
        .argParser(portNumber('--port')),
    )
    .addOption(
      new Option('-w, --workers <n>', 'worker processes serving the model on the same port')
        .env('FLOWLINE_SCORING_WORKERS')
        .default(1)
        .argParser(wholeNumber('workers')),
    )
    .addOption(
      new Option(
        '--served-model-name <names>',
        "comma-separated names OpenAI clients give as 'model' (the first is the one /v1/models lists); the model URI is always accepted too",
      ).env('FLOWLINE_SCORING_SERVED_MODEL_NAME'),
    )
    .addOption(
      new Option(
        '--allowed-hosts <hosts>',
        'comma-separated Host headers to answer (against DNS rebinding): names, IPs, name:port, wildcards (*.example.com), or * for any; replaces the default of localhost, 127.0.0.1, [::1], 0.0.0.0, private-network IPs and the bound address',
      ).env('FLOWLINE_SCORING_ALLOWED_HOSTS'),
    )
    .addOption(
      new Option(
        '--body-idle-timeout <seconds>',
        'answer 408 and close when a request body sends nothing for this long (0: wait forever)',
      )
        .env('FLOWLINE_BODY_IDLE_TIMEOUT')
        .default(30)
        .argParser(numberBetween('--body-idle-timeout', 0, 86_400)),
    )
    .addOption(
      new Option(
        '--api-key <key>',
        'require this key on every route but /ping, /health and /version (OpenAI clients send it as Authorization: Bearer)',
      ).env('FLOWLINE_SCORING_API_KEY'),
    )
    .addOption(
      new Option(
        '--max-concurrent-requests <n>',
        'generating requests (chat, completions) running at once; others wait in the queue',
      )
        .env('FLOWLINE_SCORING_MAX_CONCURRENT_REQUESTS')
        .default(8)
        .argParser(wholeNumber('--max-concurrent-requests')),
    )
    .addOption(
      new Option('--max-queue <n>', 'generating requests waiting for a slot; past it, 429 with Retry-After')
        .env('FLOWLINE_SCORING_MAX_QUEUE')
        .default(32)
        .argParser(wholeNumber('--max-queue', 0)),
    )
    .addOption(
      new Option(
        '--request-timeout <seconds>',
        'cancel a generating request (its generation too) that runs longer than this (0: never)',
      )
        .env('FLOWLINE_SCORING_REQUEST_TIMEOUT')
        .default(0)
        .argParser(numberBetween('--request-timeout', 0, 86_400)),
    )
    .addOption(
      new Option(
        '--trace-to <tracking-uri>',
        'record every /invocations and /v1/* request as an MLflow trace (request, tokenize, prefill, decode, token counts) on this tracking server',
      ).env('FLOWLINE_SCORING_TRACE_TO'),
    )
    .addOption(
      new Option(
        '--experiment <name>',
        'the experiment --trace-to records traces in (created when missing)',
      ).env('MLFLOW_EXPERIMENT_NAME'),
    )
    .addOption(
      new Option('--experiment-id <id>', 'the experiment --trace-to records traces in, by id').env(
        'MLFLOW_EXPERIMENT_ID',
      ),
    )
    .option(
      '--enable-stack-traces',
      "send a failed prediction's stack trace to the client, as MLflow does (also FLOWLINE_SCORING_STACK_TRACES=true); by default it is only logged",
    )
    .action(async (opts: ServeOptions, cmd: Command) => {
      const { pino } = await import('pino');
      const logger = pino({ level: 'info' });
      if (opts.workers > 1 && cluster.isPrimary) {
        servePrimary(opts, logger);
        return;
      }
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { model, close } = await load(opts.modelUri, g);
      const { buildScoringServer, servingTracer } = await import('@flowline/server');
      const names = servedNames(opts);
      const tracing = opts.traceTo ? await import('@flowline/tracing') : undefined;
      if (tracing && opts.traceTo) {
        tracing.configureTracing({
          trackingUri: opts.traceTo,
          ...(opts.experimentId ? { experimentId: opts.experimentId } : {}),
          ...(opts.experiment ? { experimentName: opts.experiment } : {}),
          serviceName: 'flowline-models-serve',
        });
        logger.info(
          { traceTo: opts.traceTo, experiment: opts.experimentId ?? opts.experiment },
          'tracing requests',
        );
      }
      const app = await buildScoringServer({
        model,
        logger,
        ...names,
        ...(tracing ? { tracer: servingTracer(names.modelName) } : {}),
        allowedHosts: opts.allowedHosts === undefined ? undefined : commaList(opts.allowedHosts),
        bodyIdleTimeoutMs: opts.bodyIdleTimeout * 1000,
        stackTraces: opts.enableStackTraces === true || envFlag('FLOWLINE_SCORING_STACK_TRACES'),
        apiKey: opts.apiKey,
        maxConcurrentRequests: opts.maxConcurrentRequests,
        maxQueue: opts.maxQueue,
        requestTimeoutMs: opts.requestTimeout * 1000,
      });
      const url = await app.listen({ host: opts.host, port: opts.port });
      logger.info(
        { url, model: opts.modelUri, flavors: Object.keys(model.metadata.flavors) },
        cluster.isWorker ? 'scoring server worker listening' : 'scoring server listening',
      );
      const stop = async () => {
        await app.close();
        await close();
        // The traces of the last requests are sent before the process goes.
        await tracing
          ?.shutdownTracing()
          .catch((error: unknown) => logger.warn({ err: error }, 'traces not sent'));
        process.exit(ExitCode.ok);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  models
    .command('predict')
    .description('Score an input file with a model; writes {"predictions": …}.')
    .requiredOption('-m, --model-uri <uri>', 'model to use')
    .option('-i, --input-path <file>', 'input file (default: stdin)')
    .option('-o, --output-path <file>', 'where to write predictions (default: stdout)')
    .addOption(
      new Option('-t, --content-type <type>', 'input format').choices(['json', 'csv']).default('json'),
    )
    .action(
      async (
        opts: { modelUri: string; inputPath?: string; outputPath?: string; contentType: 'json' | 'csv' },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const text = opts.inputPath ? await readFile(opts.inputPath, 'utf8') : await readStdin();
        const { model, close } = await load(opts.modelUri, g);
        try {
          const { parseCsvInput, parseInvocation } = await import('@flowline/server');
          let parsed: Invocation;
          if (opts.contentType === 'csv') parsed = { input: parseCsvInput(text) };
          else {
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch (cause) {
              throw MlflowError.invalidParameterValue(
                `The input is not valid JSON: ${(cause as Error).message}`,
                { cause },
              );
            }
            const paramNames = (model.metadata.signature?.params ?? []).map((param) => param.name);
            parsed = parseInvocation(body, paramNames);
          }
          const predictions = await model.predict(parsed.input, parsed.params);
          // MLflow answers its unwrapped LLM form ({"messages": …}) with the bare prediction.
          const output = `${JSON.stringify(parsed.unwrapped ? predictions : { predictions })}\n`;
          if (opts.outputPath) await writeFile(opts.outputPath, output);
          else process.stdout.write(output);
        } finally {
          await close();
        }
      },
    );

  registerModelImages(models);
}

/**
 * `models serve --workers n` (n > 1) in the cluster primary: loads nothing, forks n workers that each load
 * the model and listen on the same host and port (the CLI runs again in each, as a cluster worker), logs
 * once all are up, replaces a worker that dies after it was serving, and stops them all on SIGINT/SIGTERM.
 * A worker that dies before it ever listened (the model failed to load, the port is taken) stops the lot
 * with exit status 1 instead of being restarted in a loop.
 */
function servePrimary(opts: { modelUri: string; host: string; workers: number }, logger: Logger): void {
  const serving = new WeakSet<Worker>();
  let up = false;
  let stopping = false;
  const fork = () => cluster.fork();
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => Boolean(w) && !w?.isDead(),
    );
    logger.info({ workers: running.length }, 'stopping workers');
    Promise.all(
      running.map(
        (w) =>
          new Promise<void>((done) => {
            w.once('exit', () => done());
            w.kill('SIGTERM');
          }),
      ),
    ).then(() => {
      logger.info('stopped');
      process.exit(code);
    });
  };
  cluster.on('listening', (worker, address) => {
    serving.add(worker);
    logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening');
    const listening = Object.values(cluster.workers ?? {}).filter((w) => w && serving.has(w)).length;
    if (!up && listening === opts.workers) {
      up = true;
      const host = address.address ?? opts.host;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      logger.info({ url, model: opts.modelUri, workers: opts.workers }, 'scoring server listening');
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (!serving.has(worker)) {
      logger.error(
        { worker: worker.id, pid: worker.process.pid, code, signal },
        'worker exited before it was serving; stopping',
      );
      // The worker's own status says why (e.g. 3: model not found), else 1.
      stop(typeof code === 'number' && code !== 0 ? code : ExitCode.failure);
      return;
    }
    logger.warn(
      { worker: worker.id, pid: worker.process.pid, code, signal },
      'worker exited; starting another',
    );
    fork();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'signal received');
      stop(ExitCode.ok);
    });
  }
  logger.info({ workers: opts.workers, model: opts.modelUri }, 'starting workers');
  for (let i = 0; i < opts.workers; i++) fork();
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
