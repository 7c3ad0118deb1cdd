import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, createArtifactAccess } from '@flowline/server';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let dir: string;

function flowline(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, cwd: dir },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-artifacts-'));
  await mkdir(join(dir, 'src', 'nested'), { recursive: true });
  await writeFile(join(dir, 'src', 'model.txt'), 'weights');
  await writeFile(join(dir, 'src', 'nested', 'conf.yaml'), 'a: 1\n');
  await writeFile(join(dir, 'single.csv'), 'x,y\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const mode of ['store URI', 'tracking server'] as const) {
  describe(`flowline artifacts against a ${mode}`, () => {
    let env: Record<string, string>;
    let runId: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const dbUri = `sqlite:///${join(dir, `${mode === 'store URI' ? 'direct' : 'served'}.db`)}`;
      if (mode === 'store URI') {
        const store = await SqlTrackingStore.open(dbUri, { defaultArtifactRoot: join(dir, 'mlruns') });
        runId = (await store.createRun({})).info.runId;
        await store.close();
        env = { MLFLOW_TRACKING_URI: dbUri };
        close = async () => {};
      } else {
        const store = await SqlTrackingStore.open(dbUri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
        const app = await buildServer({ store, artifacts: createArtifactAccess(join(dir, 'mlartifacts')) });
        const url = await app.listen({ host: '127.0.0.1', port: 0 });
        runId = (await store.createRun({})).info.runId;
        env = { MLFLOW_TRACKING_URI: url };
        close = async () => {
          await app.close();
          await store.close();
        };
      }
    });
    afterAll(async () => close());

    it('logs a file and a folder, lists them (table and JSON) and downloads them back', async () => {
      expect(
        (
          await flowline(
            ['artifacts', 'log-artifact', '-l', join(dir, 'single.csv'), '--run-id', runId, '-a', 'data'],
            env,
          )
        ).code,
      ).toBe(0);
      const logged = await flowline(
        ['artifacts', 'log-artifacts', '-l', join(dir, 'src'), '--run-id', runId, '-a', 'model'],
        env,
      );
      expect(logged).toMatchObject({ code: 0, stdout: expect.stringMatching(/Logged/) });
      const table = await flowline(['artifacts', 'list', '--run-id', runId], env);
      expect(table.stdout).toMatch(/data\s.*dir/);
      const json = JSON.parse(
        (await flowline(['artifacts', 'list', '--run-id', runId, '-a', 'model', '--json'], env)).stdout,
      );
      expect(json.files).toEqual([
        { path: 'model/model.txt', is_dir: false, file_size: 7 },
        { path: 'model/nested', is_dir: true },
      ]);
      const out = join(dir, `out-${mode.replace(' ', '-')}`);
      const downloaded = JSON.parse(
        (
          await flowline(
            ['artifacts', 'download', '--run-id', runId, '-a', 'model', '-d', out, '--json'],
            env,
          )
        ).stdout,
      );
      expect(await readFile(join(downloaded.local_path, 'nested', 'conf.yaml'), 'utf8')).toBe('a: 1\n');
      const viaUri = (
        await flowline(['artifacts', 'download', '-u', `runs:/${runId}/data/single.csv`, '-d', out], env)
      ).stdout.trim();
      expect(await readFile(viaUri, 'utf8')).toBe('x,y\n');
    });

    it('refuses hostile artifact paths and missing runs with meaningful exit codes', async () => {
      const hostile = await flowline(['artifacts', 'list', '--run-id', runId, '-a', '../../etc'], env);
      expect(hostile.code).toBe(2);
      expect(hostile.stderr).toMatch(/'\.\.' is not allowed/);
      const missing = await flowline(['artifacts', 'list', '--run-id', 'f'.repeat(32)], env);
      expect(missing.code).toBe(3);
      const both = await flowline(['artifacts', 'download', '--run-id', runId, '-u', 'runs:/x/y'], env);
      expect(both.code).toBe(2);
    });
  });
}
