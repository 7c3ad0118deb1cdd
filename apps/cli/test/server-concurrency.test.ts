import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@flowline/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-concurrency-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const WRITERS = 32;
const ROUNDS = 6;

describe('flowline server --workers 2 on one SQLite file', () => {
  it('takes every write of 32 concurrent writers (runs, log-batch, set-tag, model versions)', async () => {
    const port = await freePort();
    const file = join(dir, 'shared.db');
    const server = await startCli(
      ['server', '-p', String(port), '-w', '2', '--backend-store-uri', `sqlite:///${file}`],
      { cwd: dir, env: {} },
      '"workers":2',
    );
    const logs = server.logs();
    expect(logs).toContain('"workers":2');

    const api = `http://127.0.0.1:${port}/api/2.0/mlflow`;
    const failures: string[] = [];
    const post = async (path: string, body: unknown): Promise<Record<string, unknown> | null> => {
      const res = await fetch(`${api}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== 200) {
        failures.push(`${path}: ${res.status} ${text}`);
        return null;
      }
      return JSON.parse(text) as Record<string, unknown>;
    };
    const experiment = (await post('experiments/create', { name: 'concurrent' }))?.experiment_id as string;
    await post('registered-models/create', { name: 'concurrent-model' });

    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let round = 0; round < ROUNDS; round++) {
          const created = await post('runs/create', { experiment_id: experiment, start_time: round });
          const runId = (created?.run as { info: { run_id: string } } | undefined)?.info.run_id;
          if (!runId) continue;
          await Promise.all([
            post('runs/log-batch', {
              run_id: runId,
              metrics: [{ key: 'loss', value: writer, timestamp: round, step: round }],
              params: [{ key: 'writer', value: String(writer) }],
            }),
            post('runs/set-tag', { run_id: runId, key: 'round', value: String(round) }),
            post('model-versions/create', {
              name: 'concurrent-model',
              source: `runs:/${runId}/model`,
              run_id: runId,
            }),
          ]);
        }
      }),
    );
    expect(await server.stop()).toBe(0);
    expect(failures).toEqual([]);

    const database = await openDatabase(`sqlite:///${file}`);
    try {
      const count = async (table: 'runs' | 'metrics' | 'params' | 'model_versions') =>
        Number(
          (
            await database.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const total = WRITERS * ROUNDS;
      expect(await count('runs')).toBe(total);
      expect(await count('metrics')).toBe(total);
      expect(await count('params')).toBe(total);
      const roundTags = await database.db
        .selectFrom('tags')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key', '=', 'round')
        .executeTakeFirstOrThrow();
      expect(Number(roundTags.n)).toBe(total);
      expect(await count('model_versions')).toBe(total);
      const versions = await database.db.selectFrom('model_versions').select('version').execute();
      expect(new Set(versions.map((v) => v.version)).size).toBe(total);
    } finally {
      await database.close();
    }
  });
});
