import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, createArtifactAccess } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const example = fileURLToPath(new URL('../../../examples/train-linear', import.meta.url));
let dir: string;
let store: SqlTrackingStore;
let app: Awaited<ReturnType<typeof buildServer>>;
let url: string;

function flowline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, MLFLOW_TRACKING_URI: url, FLOWLINE_ENV_CACHE: join(dir, 'envs') }, cwd: dir },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-run-'));
  store = await SqlTrackingStore.open(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: 'mlflow-artifacts:/',
  });
  app = await buildServer({ store, artifacts: createArtifactAccess(join(dir, 'mlartifacts')) });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  await mkdir(join(dir, 'project'));
  await writeFile(
    join(dir, 'project', 'MLproject'),
    `name: cli-project
entry_points:
  main:
    parameters:
      message: string
    command: "printf '%s' {message} > message.txt"
  fail:
    command: "echo failing >&2; exit 4"
  sleep:
    command: "sleep 60"
`,
  );
});
afterAll(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('flowline run', () => {
  it('runs the train-linear example against a live server: params, metric history, tags, artifacts, status', async () => {
    const res = await flowline([
      'run',
      example,
      '-P',
      'epochs=12',
      '-P',
      'learning_rate=0.3',
      '--experiment-name',
      'linear',
      '--run-name',
      'fit',
      '--json',
    ]);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.status).toBe('FINISHED');
    const run = await store.getRun(result.run_id);
    expect(run.info).toMatchObject({ runName: 'fit', status: 'FINISHED' });
    expect((await store.getExperiment(run.info.experimentId)).name).toBe('linear');
    const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    expect(params).toMatchObject({
      epochs: '12',
      learning_rate: '0.3',
      samples: '200',
      seed: '7',
      'model.kind': 'linear',
    });
    const loss = (await store.getMetricHistory(result.run_id, 'loss')).items;
    expect(loss.map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(loss.at(-1)!.value).toBeLessThan(loss[0]!.value / 10);
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'mlflow.source.type': 'PROJECT',
      'mlflow.source.name': example,
      'mlflow.project.entryPoint': 'main',
      'mlflow.project.backend': 'local',
      'mlflow.project.env': 'local',
    });
    expect(tags['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    const listing = await (
      await fetch(`${url}/api/2.0/mlflow/artifacts/list?run_id=${result.run_id}`)
    ).json();
    expect((listing as { files: { path: string }[] }).files.map((f) => f.path).sort()).toEqual([
      'model',
      'project_output.log',
      'summary.txt',
    ]);
    const mlmodel = await (
      await fetch(`${url}/get-artifact?run_id=${result.run_id}&path=model/MLmodel`)
    ).text();
    expect(mlmodel).toContain('custom_js:');
    expect(Number(/\bw: ([\d.]+)/.exec(mlmodel)?.[1])).toBeGreaterThan(2.5);
    const log = await (
      await fetch(`${url}/get-artifact?run_id=${result.run_id}&path=project_output.log`)
    ).text();
    expect(log).toMatch(/fitted w=/);
  });

  it('exits 1 and records FAILED for a failing entry point', async () => {
    const res = await flowline(['run', join(dir, 'project'), '-e', 'fail', '--json']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/failing/);
    expect((await store.getRun(JSON.parse(res.stdout).run_id)).info.status).toBe('FAILED');
  });

  it('passes hostile -P values literally and refuses bad parameters with exit 2', async () => {
    const value = '$(touch pwned) `id`; echo "x" \'y\'';
    const res = await flowline(['run', join(dir, 'project'), '-P', `message=${value}`, '--json']);
    expect(res.code).toBe(0);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(dir, 'project', 'message.txt'), 'utf8')).toBe(value);
    await expect(readFile(join(dir, 'project', 'pwned'))).rejects.toThrow();
    const missing = await flowline(['run', join(dir, 'project')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required parameter 'message'/);
    const badFormat = await flowline(['run', join(dir, 'project'), '-P', 'novalue']);
    expect(badFormat.code).toBe(2);
  });

  it('stops the run on Ctrl-C: exit 130, the run KILLED', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'run', join(dir, 'project'), '-e', 'sleep', '--experiment-name', 'killed'],
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let runId: string | undefined;
    for (let i = 0; i < 100 && !runId; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const exp = await store.getExperimentByName('killed');
      if (exp) runId = (await store.searchRuns({ experimentIds: [exp.experimentId] })).items[0]?.info.runId;
    }
    expect(runId).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect((await store.getRun(runId!)).info.status).toBe('KILLED');
  });

  it('runs a git URI with a subdirectory at a version', async () => {
    const repo = join(dir, 'repo');
    await mkdir(join(repo, 'nested'), { recursive: true });
    await writeFile(
      join(repo, 'nested', 'MLproject'),
      'name: nested\nentry_points:\n  main:\n    command: "echo from-v1"\n',
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: repo })
        .toString()
        .trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'v1');
    git('tag', 'v1');
    await writeFile(
      join(repo, 'nested', 'MLproject'),
      'name: nested\nentry_points:\n  main:\n    command: "echo from-v2"\n',
    );
    git('commit', '-qam', 'v2');
    const res = await flowline(['run', `file://${repo}#nested`, '--version', 'v1', '--json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('from-v1');
    const tags = Object.fromEntries(
      (await store.getRun(JSON.parse(res.stdout).run_id)).data.tags.map((t) => [t.key, t.value]),
    );
    expect(tags['mlflow.source.git.commit']).toBe(git('rev-parse', 'v1'));
    expect(tags['mlflow.source.git.repoURL']).toBe(`file://${repo}`);
  });
});
