import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '@flowline/client';
import { saveModel } from '@flowline/model-format';
import { createMlpModel } from '@flowline/testkit';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from './helpers.js';

let dir: string;
let uri: string;
let modelUri: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-image-'));
  uri = `sqlite:///${join(dir, 'store.db')}`;
  await writeFile(
    join(dir, 'doubler.mjs'),
    'export default class { predict(_c, rows) { return rows.map((r) => r.x * 2); } }',
  );
  const tracker = new Tracker({ trackingUri: uri, env: {} });
  try {
    const experimentId = await (await tracker.store()).createExperiment({
      name: 'images',
      artifactLocation: join(dir, 'artifacts'),
    });
    await tracker.startRun({ experimentId });
    modelUri = (await tracker.logModel({ code: join(dir, 'doubler.mjs') }, 'model')).modelUri;
    await tracker.endRun();
  } finally {
    await tracker.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flowline = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { MLFLOW_TRACKING_URI: uri, ...env } });

function instructions(text: string): Instruction[] {
  return DockerfileParser.parse(text).getInstructions();
}
const named = (all: Instruction[], keyword: string) => all.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());

/** The image's environment, from its ENV instructions (`KEY="value"` pairs). */
function imageEnv(all: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of named(all, 'ENV'))
    for (const arg of args(i)) {
      const at = arg.indexOf('=');
      env[arg.slice(0, at)] = JSON.parse(arg.slice(at + 1));
    }
  return env;
}

/** An instruction's flags (`--chown=node:node`) as name and value. */
const flags = (i: Instruction) =>
  (i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> })
    .getFlags()
    .map((f) => [f.getName(), f.getValue()]);

/** An exec-form instruction's argument list (`["a", "b"]`). */
const execForm = (i: Instruction) => JSON.parse(i.getArgumentsContent()!) as string[];

describe('flowline models generate-dockerfile', { timeout: 120_000 }, () => {
  it('writes a Dockerfile for a models:/<model_id> URI, checked instruction by instruction, with the model beside it', async () => {
    const out = await flowline(['--json', 'models', 'generate-dockerfile', '-m', modelUri, '-d', 'image']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    const context = join(dir, 'image');
    expect(result.directory).toBe(context);
    expect((await readdir(context)).sort()).toEqual(['.dockerignore', 'Dockerfile', 'model']);
    expect(await readFile(join(context, 'model', 'MLmodel'), 'utf8')).toContain('custom_js');

    const all = instructions(await readFile(join(context, 'Dockerfile'), 'utf8'));
    expect(
      DockerfileParser.parse(await readFile(join(context, 'Dockerfile'), 'utf8')).getInstructions().length,
    ).toBe(all.length);
    expect(all.map((i) => i.getKeyword())).toEqual([
      'FROM',
      'RUN',
      'WORKDIR',
      'COPY',
      'USER',
      'ENV',
      'EXPOSE',
      'HEALTHCHECK',
      'ENTRYPOINT',
    ]);
    expect(args(named(all, 'FROM')[0]!)).toEqual(['node:20-bookworm-slim']);
    const install = named(all, 'RUN')[0]!.getArgumentsContent()!;
    expect(install).toMatch(/^npm install --global --omit=dev .*"@flowline\/cli@0\.1\.0"/);
    // A custom JS model without npm dependencies needs no runtime beside the CLI.
    expect(install).not.toContain('onnxruntime-node');
    const copy = named(all, 'COPY')[0]!;
    expect(args(copy)).toEqual(['model/', '/opt/flowline/model/']);
    expect(flags(copy)).toEqual([['chown', 'node:node']]);
    expect(args(named(all, 'USER')[0]!)).toEqual(['node']);
    expect(args(named(all, 'EXPOSE')[0]!)).toEqual(['8080']);
    const healthcheck = named(all, 'HEALTHCHECK')[0]!;
    expect(flags(healthcheck)).toEqual([
      ['interval', '30s'],
      ['timeout', '5s'],
      ['start-period', '60s'],
      ['retries', '3'],
    ]);
    expect(healthcheck.getArgumentsContent()).toMatch(/^CMD \["node", "-e", ".*\/ping/);
    expect(execForm(named(all, 'ENTRYPOINT')[0]!)).toEqual(['flowline', 'models', 'serve']);
    expect(imageEnv(all)).toMatchObject({
      FLOWLINE_SCORING_MODEL_URI: '/opt/flowline/model',
      FLOWLINE_SCORING_HOST: '0.0.0.0',
      FLOWLINE_SCORING_PORT: '8080',
    });
  });

  it('runs the entrypoint exactly as the image would, with its environment, and the HEALTHCHECK passes', async () => {
    await flowline(['models', 'generate-dockerfile', '-m', modelUri, '-d', 'run-image']);
    const context = join(dir, 'run-image');
    const all = instructions(await readFile(join(context, 'Dockerfile'), 'utf8'));
    const [command, ...rest] = execForm(named(all, 'ENTRYPOINT')[0]!);
    expect(command).toBe('flowline');
    // Only what differs outside a container: where the model folder is, and a free port for 8080.
    const port = String(await freePort());
    const env = {
      ...imageEnv(all),
      FLOWLINE_SCORING_MODEL_URI: join(context, 'model'),
      FLOWLINE_SCORING_PORT: port,
    };
    const server = await startCli(rest, { cwd: context, env }, 'scoring server listening');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(200);
      const answer = await fetch(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_records: [{ x: 2 }, { x: 5 }] }),
      });
      expect(await answer.json()).toEqual({ predictions: [4, 10] });
      const health = JSON.parse(
        /CMD (\[.*\])$/.exec(named(all, 'HEALTHCHECK')[0]!.getArgumentsContent()!)![1]!,
      ) as string[];
      const code = await new Promise<number | null>((done) => {
        const child = spawn(process.execPath, health.slice(1), {
          env: { ...process.env, ...env },
          stdio: 'ignore',
        });
        child.on('close', done);
      });
      expect(health[0]).toBe('node');
      expect(code).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("installs an ONNX model's runtime and a custom model's npm dependencies", async () => {
    const mlp = createMlpModel({ inputs: 2, hidden: 3, outputs: 1, seed: 1 });
    await saveModel({ path: join(dir, 'onnx-model'), onnx: { model: mlp.bytes } });
    await saveModel({
      path: join(dir, 'with-deps'),
      custom: { code: join(dir, 'doubler.mjs'), dependencies: ['left-pad@1.3.0'] },
    });
    expect(
      (await flowline(['models', 'generate-dockerfile', '-m', join(dir, 'onnx-model'), '-d', 'onnx-image']))
        .code,
    ).toBe(0);
    const onnx = instructions(await readFile(join(dir, 'onnx-image', 'Dockerfile'), 'utf8'));
    expect(named(onnx, 'RUN')[0]!.getArgumentsContent()).toContain('"onnxruntime-node@^1.30.0"');
    expect(
      (await flowline(['models', 'generate-dockerfile', '-m', join(dir, 'with-deps'), '-d', 'deps-image']))
        .code,
    ).toBe(0);
    const deps = instructions(await readFile(join(dir, 'deps-image', 'Dockerfile'), 'utf8'));
    const runs = named(deps, 'RUN').map((i) => i.getArgumentsContent());
    expect(runs[1]).toBe('npm install --omit=dev --no-audit --no-fund && npm cache clean --force');
    // It runs in the model folder, after the copy and before the image drops to the unprivileged user.
    const keywords = deps.map((i) => i.getKeyword());
    expect(keywords.indexOf('COPY')).toBeLessThan(keywords.lastIndexOf('RUN'));
    expect(keywords.lastIndexOf('RUN')).toBeLessThan(keywords.indexOf('USER'));
    expect(
      JSON.parse(await readFile(join(dir, 'deps-image', 'model', 'package.json'), 'utf8')).dependencies,
    ).toEqual({
      'left-pad': '1.3.0',
    });
  });

  it('writes an image without a model for one mounted at run time', async () => {
    expect((await flowline(['models', 'generate-dockerfile', '-d', 'empty-image'])).code).toBe(0);
    expect((await readdir(join(dir, 'empty-image'))).sort()).toEqual(['.dockerignore', 'Dockerfile']);
    const all = instructions(await readFile(join(dir, 'empty-image', 'Dockerfile'), 'utf8'));
    expect(named(all, 'COPY')).toEqual([]);
  });
});

describe('flowline models build-docker', () => {
  it('runs docker build -t NAME on the folder generate-dockerfile would write', async () => {
    // The engine stands in as a script (no daemon here): it answers `version`, and for `build` records its
    // arguments and the Dockerfile and model of the context it was given.
    const record = join(dir, 'docker-build.json');
    const docker = join(dir, 'docker');
    await writeFile(
      docker,
      `#!${process.execPath}
const fs = require('node:fs');
const [command, ...rest] = process.argv.slice(2);
if (command === 'version') { console.log('28.2.2'); process.exit(0); }
const context = rest.at(-1);
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({
  command, rest,
  dockerfile: fs.readFileSync(context + '/Dockerfile', 'utf8'),
  model: fs.readdirSync(context + '/model').sort(),
}));
`,
    );
    await chmod(docker, 0o755);
    const out = await flowline(['--json', 'models', 'build-docker', '-m', modelUri, '-n', 'doubler:1'], {
      FLOWLINE_DOCKER: docker,
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ image: 'doubler:1' });
    const call = JSON.parse(await readFile(record, 'utf8'));
    expect(call.command).toBe('build');
    expect(call.rest.slice(0, 2)).toEqual(['-t', 'doubler:1']);
    expect(call.model).toContain('MLmodel');
    const generated = await flowline([
      'models',
      'generate-dockerfile',
      '-m',
      modelUri,
      '-d',
      'compare-image',
    ]);
    expect(generated.code).toBe(0);
    expect(call.dockerfile).toBe(await readFile(join(dir, 'compare-image', 'Dockerfile'), 'utf8'));
  });

  it('says clearly when no container engine answers, and exits "unavailable"', async () => {
    const out = await flowline(['models', 'build-docker', '-m', modelUri, '-n', 'doubler'], {
      FLOWLINE_DOCKER: join(dir, 'no-such-docker'),
    });
    expect(out.code).toBe(5);
    expect(out.stderr).toMatch(/No container engine answers .*generate-dockerfile/);
  });
});
