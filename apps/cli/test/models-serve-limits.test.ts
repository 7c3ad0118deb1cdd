import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '@flowline/model-format';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, serveModel } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-serve-limits-'));
  await writeFile(
    join(dir, 'echo.mjs'),
    `export default class Echo {
  predict(_ctx, input) {
    return { choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  }
}`,
  );
  await saveModel({
    path: join(dir, 'echo'),
    custom: { code: join(dir, 'echo.mjs'), modelConfig: {} },
    metadata: { task: 'llm/v1/chat' },
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('serves with the admission limits and reports Prometheus metrics', async () => {
  const server = await serveModel(join(dir, 'echo'), { env: {}, cwd: dir }, [
    '--max-concurrent-requests',
    '2',
    '--max-queue',
    '0',
    '--request-timeout',
    '30',
  ]);
  const answer = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }),
  });
  expect(answer.status).toBe(200);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/^flowline_scoring_queue_depth 0$/m);
  expect(metrics).toMatch(/^flowline_scoring_generated_tokens_total 1$/m);
  expect(await server.stop()).toBe(0);
});

it('rejects bad limits with a usage error', async () => {
  for (const [flag, value] of [
    ['--max-concurrent-requests', '0'],
    ['--max-queue', '-1'],
    ['--request-timeout', 'soon'],
  ] as const) {
    const result = await runCli(['models', 'serve', '-m', join(dir, 'echo'), flag, value], {
      env: {},
      cwd: dir,
    });
    expect(result.code, flag).toBe(2);
    expect(result.stderr).toContain(flag);
  }
});
