import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEnvManager, loadProject, type RunProjectOptions, runProject } from '../src/index.js';
import { capture, fixture } from './helpers.js';

let store: SqlTrackingStore;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flowline-runs-'));
  store = await SqlTrackingStore.open(`sqlite:///${join(work, 'mlflow.db')}`, {
    defaultArtifactRoot: join(work, 'artifacts'),
  });
  process.env.FLOWLINE_ENV_CACHE = join(work, 'env-cache');
});
afterAll(async () => {
  await store.close();
  await rm(work, { recursive: true, force: true });
});

const opts = (extra: Partial<RunProjectOptions> & { uri: string }): RunProjectOptions => ({
  trackingUri: 'sqlite:///unused.db',
  log: () => {},
  store,
  stdout: capture(),
  stderr: capture(),
  ...extra,
});

describe('runProject on the local backend', () => {
  it('records the run with params and MLflow project tags, and gives the child MLFLOW_* variables', async () => {
    const { dir, cleanup } = await fixture('tools');
    const stdout = capture();
    const run = await runProject({
      ...opts({ uri: dir, entryPoint: 'env', experimentName: 'projects', runName: 'env-run' }),
      stdout,
      trackingUri: 'http://tracking.example:5000',
    });
    expect(await run.wait()).toBe('FINISHED');
    const seen = JSON.parse(stdout.text().trim());
    expect(seen).toEqual({
      MLFLOW_RUN_ID: run.runId,
      MLFLOW_TRACKING_URI: 'http://tracking.example:5000',
      MLFLOW_EXPERIMENT_ID: run.experimentId,
      FLOWLINE_FLUSH_METRICS_ON_EXIT: 'true',
    });
    const stored = await store.getRun(run.runId);
    expect(stored.info).toMatchObject({ runName: 'env-run', status: 'FINISHED' });
    const tags = Object.fromEntries(stored.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'mlflow.source.name': dir,
      'mlflow.source.type': 'PROJECT',
      'mlflow.project.entryPoint': 'env',
      'mlflow.project.env': 'local',
      'mlflow.project.backend': 'local',
    });
    expect((await store.getExperiment(run.experimentId)).name).toBe('projects');
    await cleanup();
  });

  it('logs typed params and passes them to the command', async () => {
    const { dir, cleanup } = await fixture('tools');
    const stdout = capture();
    const run = await runProject({
      ...opts({ uri: dir, parameters: { data: 'input.csv', steps: '7', extra: 'yes' }, cwd: work }),
      stdout,
    });
    expect(await run.wait()).toBe('FINISHED');
    expect(JSON.parse(stdout.text().trim())).toEqual([
      '0.5',
      '7',
      join(work, 'input.csv'),
      's3://bucket/out',
      'plain',
      '--extra',
      'yes',
    ]);
    const params = Object.fromEntries(
      (await store.getRun(run.runId)).data.params.map((p) => [p.key, p.value]),
    );
    expect(params).toEqual({
      alpha: '0.5',
      steps: '7',
      data: join(work, 'input.csv'),
      target: 's3://bucket/out',
      note: 'plain',
      extra: 'yes',
    });
    await cleanup();
  });

  it('ends FAILED when the command fails, keeping its output', async () => {
    const { dir, cleanup } = await fixture('tools');
    const stderr = capture();
    const run = await runProject({ ...opts({ uri: dir, entryPoint: 'fail' }), stderr });
    expect(await run.wait()).toBe('FAILED');
    expect(stderr.text()).toMatch(/about to fail/);
    expect((await store.getRun(run.runId)).info.status).toBe('FAILED');
    await cleanup();
  });

  it('ends KILLED on cancel, with the child process gone', async () => {
    const { dir, cleanup } = await fixture('tools');
    const pidFile = join(work, 'sleep.pid');
    const run = await runProject({
      ...opts({ uri: dir, entryPoint: 'sleep', env: { ...process.env, PID_FILE: pidFile } }),
    });
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
      if (!pid) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid).toBeGreaterThan(0);
    await run.cancel();
    expect(await run.wait()).toBe('KILLED');
    // Gone, or a zombie waiting for a reaper (PID 1 in a container may never reap it): either way not running.
    const running = async () => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
      return stat !== null && !/^\d+ \(.*\) Z/.test(stat);
    };
    for (let i = 0; i < 40 && (await running()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await running()).toBe(false);
    expect((await store.getRun(run.runId)).info.status).toBe('KILLED');
    await cleanup();
  });

  it('passes hostile parameter values to the program verbatim', async () => {
    const { dir, cleanup } = await fixture('tools');
    const value = `'; touch ${join(work, 'pwned')}; echo "$(id)" \`id\` $HOME *\nsecond line`;
    const out = join(work, 'value.txt');
    const run = await runProject({
      ...opts({
        uri: dir,
        entryPoint: 'show',
        parameters: { value },
        env: { ...process.env, OUT_FILE: out },
      }),
    });
    expect(await run.wait()).toBe('FINISHED');
    expect(await readFile(out, 'utf8')).toBe(value);
    await expect(readFile(join(work, 'pwned'))).rejects.toThrow();
    await cleanup();
  });

  it('runs a TypeScript file of a project without MLproject, passing -P values as --key value', async () => {
    const { dir, cleanup } = await fixture('plain-files');
    const stdout = capture();
    const run = await runProject({
      ...opts({ uri: dir, entryPoint: 'hello.ts', parameters: { lr: '0.1' } }),
      stdout,
    });
    expect(await run.wait()).toBe('FINISHED');
    expect(stdout.text()).toContain('ts args: --lr 0.1');
    await cleanup();
  });
});

describe('environments', () => {
  it('chooses the manager from the project, and refuses conda and docker with the flag to use', async () => {
    const tools = await fixture('tools');
    expect(await chooseEnvManager(await loadProject(tools.dir))).toBe('local');
    const node = await fixture('node-env');
    expect(await chooseEnvManager(await loadProject(node.dir))).toBe('node');
    const python = await fixture('python-env');
    expect(await chooseEnvManager(await loadProject(python.dir))).toBe('virtualenv');
    const conda = await fixture('conda-env');
    await expect(chooseEnvManager(await loadProject(conda.dir))).rejects.toThrow(
      /conda_env.*--env-manager local/,
    );
    expect(await chooseEnvManager(await loadProject(conda.dir), 'local')).toBe('local');
    const docker = await fixture('docker-env');
    await expect(chooseEnvManager(await loadProject(docker.dir))).rejects.toThrow(
      /docker_env.*--backend kubernetes/,
    );
    await expect(chooseEnvManager(await loadProject(tools.dir), 'conda')).rejects.toThrow(
      /Unknown --env-manager 'conda'/,
    );
    for (const f of [tools, node, python, conda, docker]) await f.cleanup();
  });

  it('installs a Node project from its lockfile into a cache keyed by the lockfile, then reuses it', async () => {
    const logs: string[] = [];
    for (let round = 0; round < 2; round++) {
      const { dir, cleanup } = await fixture('node-env');
      const stdout = capture();
      const run = await runProject({ ...opts({ uri: dir }), stdout, log: (l: string) => logs.push(l) });
      expect(await run.wait()).toBe('FINISHED');
      expect(stdout.text()).toContain('is-number says true');
      expect((await store.getRun(run.runId)).data.tags).toContainEqual({
        key: 'mlflow.project.env',
        value: 'node',
      });
      await cleanup();
    }
    expect(logs.filter((l) => l.startsWith('Installing dependencies'))).toHaveLength(1);
    expect(logs.filter((l) => l.startsWith('Reusing Node environment'))).toHaveLength(1);
  });

  it('creates a Python virtual environment for python_env and runs inside it', async () => {
    const { dir, cleanup } = await fixture('python-env');
    const stdout = capture();
    const run = await runProject({ ...opts({ uri: dir, parameters: { greeting: 'bonjour' } }), stdout });
    expect(await run.wait()).toBe('FINISHED');
    const [prefix, greeting] = stdout.text().trim().split('\n');
    expect(prefix).toContain(join(work, 'env-cache', 'python'));
    expect(greeting).toBe('greeting: bonjour');
    await cleanup();
  });
});

describe('git projects', () => {
  it('clones a repository at a version and runs a subdirectory, tagging the commit and URL', async () => {
    const repo = join(work, 'repo');
    const sh = (cmd: string) => execFileSync('/bin/sh', ['-c', cmd], { cwd: repo }).toString().trim();
    execFileSync('mkdir', ['-p', join(repo, 'sub')]);
    await writeFile(
      join(repo, 'sub', 'MLproject'),
      'name: sub\nentry_points:\n  main:\n    command: "cat version.txt"\n',
    );
    await writeFile(join(repo, 'sub', 'version.txt'), 'one');
    sh(
      'git init -q && git -c user.email=t@t -c user.name=t add -A && git -c user.email=t@t -c user.name=t commit -qm one && git tag v1',
    );
    const first = sh('git rev-parse HEAD');
    await writeFile(join(repo, 'sub', 'version.txt'), 'two');
    sh('git -c user.email=t@t -c user.name=t commit -qam two');
    for (const [uri, version, expected] of [
      [`file://${repo}#sub`, 'v1', 'one'],
      [`${repo}#sub`, first, 'one'],
      [`file://${repo}#sub`, undefined, 'two'],
    ] as const) {
      const stdout = capture();
      const run = await runProject({ ...opts({ uri, version }), stdout });
      expect(await run.wait()).toBe('FINISHED');
      expect(stdout.text().trim()).toBe(expected);
      const tags = Object.fromEntries((await store.getRun(run.runId)).data.tags.map((t) => [t.key, t.value]));
      if (expected === 'one') expect(tags['mlflow.source.git.commit']).toBe(first);
      expect(tags['mlflow.source.git.repoURL']).toBe(uri.startsWith('file://') ? `file://${repo}` : repo);
    }
    await expect(runProject({ ...opts({ uri: `file://${repo}#missing`, version: 'v1' }) })).rejects.toThrow(
      /Subdirectory 'missing' does not exist/,
    );
    await expect(
      runProject({ ...opts({ uri: `file://${repo}#sub`, version: 'no-such-tag' }) }),
    ).rejects.toThrow(/git checkout failed/);
    await expect(runProject({ ...opts({ uri: `file://${repo}#../../etc` }) })).rejects.toThrow(
      /must stay inside the repository/,
    );
  });
});
