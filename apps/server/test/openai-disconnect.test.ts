import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildScoringServer } from '../src/index.js';

/** A chat model that streams without end, and says on globalThis when its stream was stopped. */
const ENDLESS_MODEL = `
export default class Endless {
  predict() { throw new Error('stream only'); }
  async *predictStream() {
    globalThis.endlessStream = { stopped: false };
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        yield 'word ';
      }
    } finally {
      globalThis.endlessStream.stopped = true;
    }
  }
}`;

let dir: string;
let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-openai-disconnect-'));
  await writeFile(join(dir, 'endless.mjs'), ENDLESS_MODEL);
  await saveModel({
    path: join(dir, 'endless'),
    custom: { code: join(dir, 'endless.mjs'), modelConfig: {} },
    metadata: { task: 'llm/v1/chat' },
  });
  app = await buildScoringServer({ model: await loadModel(join(dir, 'endless')), modelName: 'endless' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

it('stops the model stream when a streaming client hangs up', async () => {
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'go on' }], stream: true });
  const request = http.request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    agent: false,
  });
  const first = new Promise<string>((resolve, reject) => {
    request.on('response', (response) => response.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    request.on('error', reject);
  });
  request.end(body);
  expect(await first).toMatch(/^data: /);
  request.on('error', () => {});
  request.destroy();
  const state = () => (globalThis as { endlessStream?: { stopped: boolean } }).endlessStream;
  // The generator's finally ran: it was returned, so it yields nothing more.
  await vi.waitFor(() => expect(state()?.stopped).toBe(true), { timeout: 10_000, interval: 20 });
});
