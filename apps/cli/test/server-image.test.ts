import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCli } from './helpers.js';

// The repository's Dockerfile for the tracking server, checked instruction by instruction, and its build
// stage's key step (pnpm deploy of the CLI plus the web UI) run here, with the image's environment, to serve.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let all: Instruction[];
let dir: string;

beforeAll(async () => {
  all = DockerfileParser.parse(await readFile(join(ROOT, 'Dockerfile'), 'utf8')).getInstructions();
  dir = await mkdtemp(join(tmpdir(), 'flowline-server-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stages = () => {
  const starts = all.flatMap((i, n) => (i.getKeyword() === 'FROM' ? [n] : []));
  return starts.map((start, k) => all.slice(start, starts[k + 1]));
};
const named = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
const content = (i: Instruction) => i.getArgumentsContent() ?? '';

/** ENV instructions as a record (`KEY=value` pairs, unquoted). */
function envOf(list: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of named(list, 'ENV'))
    for (const arg of i.getArguments().map((a) => a.getValue())) {
      const at = arg.indexOf('=');
      env[arg.slice(0, at)] = arg.slice(at + 1);
    }
  return env;
}

describe('the tracking server Dockerfile', { timeout: 120_000 }, () => {
  it('builds with the pinned pnpm on Node 20 and runs as a non-root user with a /health check', async () => {
    const [build, run] = stages() as [Instruction[], Instruction[]];
    expect(stages()).toHaveLength(2);
    expect(content(build[0]!)).toBe('node:20-bookworm-slim AS build');
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const pnpm = named(build, 'RUN').find((i) => content(i).startsWith('npm install --global pnpm@'))!;
    expect(content(pnpm)).toBe(`npm install --global ${manifest.packageManager}`);
    expect(content(named(build, 'RUN').at(-1)!)).toContain('pnpm install --frozen-lockfile');

    expect(content(run[0]!)).toBe('node:20-bookworm-slim');
    const copy = named(run, 'COPY')[0]! as unknown as Instruction & {
      getFlags(): Array<{ getName(): string; getValue(): string | null }>;
    };
    expect(copy.getFlags().map((f) => [f.getName(), f.getValue()])).toEqual([['from', 'build']]);
    expect(content(copy)).toBe('/opt/flowline /opt/flowline');
    expect(content(named(run, 'USER')[0]!)).toBe('node');
    const env = envOf(run);
    expect(env).toMatchObject({
      MLFLOW_HOST: '0.0.0.0',
      MLFLOW_PORT: '5000',
      FLOWLINE_WEB_DIST: '/opt/flowline/web',
    });
    expect(content(named(run, 'EXPOSE')[0]!)).toBe(env.MLFLOW_PORT);
    expect(content(named(run, 'HEALTHCHECK')[0]!)).toMatch(/^CMD \["node", "-e", ".*\/health/);
    expect(JSON.parse(content(named(run, 'ENTRYPOINT')[0]!))).toEqual(['flowline']);
    expect(JSON.parse(content(named(run, 'CMD')[0]!))).toEqual(['server']);
  });

  it("serves from what its build stage deploys, with the image's environment", async () => {
    const [build, run] = stages() as [Instruction[], Instruction[]];
    const step = content(named(build, 'RUN').at(-1)!);
    const deploy = /pnpm --filter=@flowline\/cli deploy --prod (\S+)/.exec(step)!;
    expect(deploy[1]).toBe('/opt/flowline');
    expect(step).toContain('cp -r apps/web/dist /opt/flowline/web');
    const target = join(dir, 'opt-flowline');
    await promisify(execFile)('pnpm', ['--filter=@flowline/cli', 'deploy', '--prod', target], {
      cwd: ROOT,
      env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' },
    });
    await cp(join(ROOT, 'apps/web/dist'), join(target, 'web'), { recursive: true });
    const port = String(await freePort());
    const env = { ...envOf(run), FLOWLINE_WEB_DIST: join(target, 'web'), MLFLOW_PORT: port };
    const server = await startCli(
      JSON.parse(content(named(run, 'CMD')[0]!)),
      { cwd: dir, env },
      'flowline server listening',
      60_000,
    );
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('OK');
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toMatch(/<div id="root">/);
      const health = JSON.parse(
        /CMD (\[.*\])$/.exec(content(named(run, 'HEALTHCHECK')[0]!))![1]!,
      ) as string[];
      const code = await new Promise<number | null>((done) => {
        spawn(process.execPath, health.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore' }).on(
          'close',
          done,
        );
      });
      expect(code).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
