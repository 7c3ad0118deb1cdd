import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MlflowError } from '@flowline/core';
import type { Command } from 'commander';
import {
  hasModelDependencies,
  type ModelImageSpec,
  runtimePackagesFor,
  writeModelImageContext,
} from '../deploy/model-image.js';
import { runExternal } from '../external-command.js';
import { openModelContext } from '../model-context.js';
import { createOutput } from '../output.js';
import { CLI_PACKAGE } from '../version.js';
import type { GlobalOptions } from './globals.js';

interface ImageOptions {
  modelUri?: string;
  flowlinePackage?: string;
  baseImage: string;
}

const manifest = CLI_PACKAGE;

/** The CLI's declared ranges for the runtimes a flavor needs; `workspace:` ranges are this release's. */
function peerRanges(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(manifest.peerDependencies ?? {}).map(([name, range]) => [
      name,
      range.startsWith('workspace:') ? manifest.version : range,
    ]),
  );
}

/** Downloads the model (any model URI) and writes the build context into `dir`. */
async function generate(dir: string, opts: ImageOptions, g: GlobalOptions): Promise<ModelImageSpec> {
  const spec: ModelImageSpec = {
    flowlinePackage: opts.flowlinePackage ?? `${manifest.name}@${manifest.version}`,
    runtimePackages: [],
    modelDependencies: false,
    withModel: opts.modelUri !== undefined,
    baseImage: opts.baseImage,
  };
  if (!opts.modelUri) {
    await writeModelImageContext(dir, spec, undefined);
    return spec;
  }
  const { context, close } = await openModelContext(opts.modelUri, g);
  const { openModelFolder, readMLmodel } = await import('@flowline/model-format');
  const folder = await openModelFolder(opts.modelUri, context);
  try {
    const mlmodel = await readMLmodel(folder.dir);
    spec.runtimePackages = runtimePackagesFor(Object.keys(mlmodel.flavors), peerRanges());
    spec.modelDependencies = await hasModelDependencies(folder.dir);
    await writeModelImageContext(dir, spec, folder.dir);
    return spec;
  } finally {
    await folder.close();
    await close();
  }
}

function addImageOptions(command: Command): Command {
  return command
    .option(
      '-m, --model-uri <uri>',
      'model to put in the image: a folder, runs:/…, models:/… (without it, mount one at /opt/flowline/model)',
    )
    .option(
      '--flowline-package <spec>',
      `npm spec of the CLI the image installs (default: ${manifest.name}@${manifest.version}, this CLI)`,
    )
    .option('--base-image <image>', 'the image to build on', 'node:20-bookworm-slim');
}

/** Whether a container engine answers (`docker version` reaches a daemon), with its message when not. */
function engineAnswers(docker: string): Promise<{ ok: boolean; message: string }> {
  return new Promise((done) => {
    let output = '';
    const child = spawn(docker, ['version', '--format', '{{.Server.Version}}'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', (error) => done({ ok: false, message: error.message }));
    child.on('close', (code) => done({ ok: code === 0, message: output.trim() }));
  });
}

/** `flowline models generate-dockerfile` and `build-docker`: MLflow's commands, for a Node 20 image. */
export function registerModelImages(models: Command): void {
  addImageOptions(
    models
      .command('generate-dockerfile')
      .description(
        'Write a folder with a Dockerfile that serves the model (Node 20, non-root, HEALTHCHECK on /ping, flowline models serve as the entrypoint), as MLflow’s generate-dockerfile.',
      ),
  )
    .option('-d, --output-directory <dir>', 'folder to write', 'flowline-dockerfile')
    .action(async (opts: ImageOptions & { outputDirectory: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const dir = resolve(opts.outputDirectory);
      const spec = await generate(dir, opts, g);
      createOutput(g.json).result(
        { directory: dir, dockerfile: join(dir, 'Dockerfile'), ...spec },
        () =>
          `Wrote ${join(dir, 'Dockerfile')}${spec.withModel ? ' and the model' : ''}.\nBuild it with: docker build -t flowline-model-server ${dir}`,
      );
    });

  addImageOptions(
    models
      .command('build-docker')
      .description(
        'Build an image that serves the model with docker build (the folder generate-dockerfile writes), as MLflow’s build-docker.',
      ),
  )
    .option('-n, --name <name>', 'image name (and tag)', 'flowline-model-server')
    .action(async (opts: ImageOptions & { name: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const docker = process.env.FLOWLINE_DOCKER ?? 'docker';
      const engine = await engineAnswers(docker);
      if (!engine.ok)
        throw new MlflowError(
          'TEMPORARILY_UNAVAILABLE',
          `No container engine answers (${docker} version: ${engine.message || 'no output'}). Start Docker or point DOCKER_HOST at an engine, or write the build folder with flowline models generate-dockerfile and build it where an engine runs.`,
        );
      const dir = await mkdtemp(join(tmpdir(), 'flowline-docker-'));
      try {
        await generate(dir, opts, g);
        const code = await runExternal(docker, ['build', '-t', opts.name, dir], { quiet: g.json });
        if (code !== 0)
          throw MlflowError.internal(`${docker} build failed (exit ${code}); its output above says why.`);
        createOutput(g.json).result({ image: opts.name }, () => `Built image ${opts.name}.`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
}
