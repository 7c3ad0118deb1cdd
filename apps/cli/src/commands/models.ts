import { readFile, writeFile } from 'node:fs/promises';
import { openArtifactRepository, openRegistry, openStore } from '@flowline/client';
import { authHeadersFromEnv, MlflowError } from '@flowline/core';
import { type LoadedModel, loadModel } from '@flowline/model-format';
import { buildScoringServer, parseCsvInput, parseInvocation } from '@flowline/server';
import { type Command, Option } from 'commander';
import { pino } from 'pino';
import { trackingUri } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

/** Loads a model by URI with the tracking store, registry and artifact repositories of the tracking URI. */
async function load(uri: string, g: GlobalOptions): Promise<{ model: LoadedModel; close(): Promise<void> }> {
  const tracking = trackingUri(g.trackingUri);
  const needsStores = /^(runs|models):/.test(uri);
  const store = needsStores ? await openStore(tracking) : undefined;
  const registry = needsStores && store ? await openRegistry(tracking, { trackingStore: store }) : undefined;
  try {
    const model = await loadModel(uri, {
      store,
      registry,
      openRepository: (artifactUri) =>
        openArtifactRepository(artifactUri, {
          store: store ?? (undefined as never),
          trackingUri: tracking,
          headers: authHeadersFromEnv(),
          registry,
        }),
    });
    return {
      model,
      async close() {
        await registry?.close();
        await store?.close();
      },
    };
  } catch (error) {
    await registry?.close();
    await store?.close();
    throw error;
  }
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
    .requiredOption(
      '-m, --model-uri <uri>',
      'model to serve: a folder, runs:/<run>/<path>, models:/<name>/<version|stage>, models:/<name>@<alias>',
    )
    .addOption(new Option('-h, --host <host>', 'interface to bind').default('127.0.0.1'))
    .addOption(new Option('-p, --port <port>', 'port to listen on').default('5000'))
    .action(async (opts: { modelUri: string; host: string; port: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const logger = pino({ level: 'info' });
      const { model, close } = await load(opts.modelUri, g);
      const app = await buildScoringServer({ model, logger });
      const url = await app.listen({ host: opts.host, port: Number(opts.port) });
      logger.info(
        { url, model: opts.modelUri, flavors: Object.keys(model.metadata.flavors) },
        'scoring server listening',
      );
      const stop = async () => {
        await app.close();
        await close();
        process.exit(0);
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
        let parsed: { input: unknown; params?: Record<string, unknown> };
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
          parsed = parseInvocation(body);
        }
        const { model, close } = await load(opts.modelUri, g);
        try {
          const output = `${JSON.stringify({ predictions: await model.predict(parsed.input, parsed.params) })}\n`;
          if (opts.outputPath) await writeFile(opts.outputPath, output);
          else process.stdout.write(output);
        } finally {
          await close();
        }
      },
    );
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
