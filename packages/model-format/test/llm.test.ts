import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, MlflowError } from '@flowline/core';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedModel, loadModel, saveModel } from '../src/index.js';

// Cancelling a generation through `predict`'s signal, on the testkit's onnx_genai chat model: llm.ts
// hands the signal to the flavor's generation, which stops at its next token.

let dir: string;
let chat: LoadedModel;
const request = { messages: [{ role: 'user', content: 'tell me a long story' }] };
const cancelled = () => new MlflowError(ErrorCode.CANCELLED, 'The client closed the connection.');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-llm-cancel-'));
  const source = await writeModelFiles(join(dir, 'genai'), createTinyDecoder({ seed: 5 }).files);
  await saveModel({ path: join(dir, 'chat'), onnxGenai: { source } });
  chat = await loadModel(join(dir, 'chat'));
});
afterAll(async () => {
  await chat.close();
  await rm(dir, { recursive: true, force: true });
});

describe('llmPredictor with an abort signal', () => {
  it('answers as usual while the signal stays unaborted', async () => {
    const answer = (await chat.predict(request, undefined, { signal: new AbortController().signal })) as {
      choices: Array<{ message: { content: string } }>;
    };
    const plain = (await chat.predict(request)) as typeof answer;
    expect(answer.choices[0]!.message.content).toBe(plain.choices[0]!.message.content);
  });

  it('rejects predict with the reason of a signal aborted before it starts', async () => {
    const reason = cancelled();
    expect(await rejection(chat.predict(request, undefined, { signal: AbortSignal.abort(reason) }))).toBe(
      reason,
    );
  });

  it('rejects predict with the reason, not a truncated answer, when aborted mid-generation', async () => {
    const controller = new AbortController();
    const reason = new MlflowError(ErrorCode.DEADLINE_EXCEEDED, 'past --request-timeout');
    // The generation has been started (prepared and running) when the abort lands.
    const pending = chat.predict(request, undefined, { signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(pending)).toBe(reason);
    // The same request with a stop sequence goes through llm.ts's stop handling; the signal still wins.
    const stopping = new AbortController();
    const withStop = chat.predict({ ...request, stop: ['\u0000'] }, undefined, { signal: stopping.signal });
    stopping.abort(reason);
    expect(await rejection(withStop)).toBe(reason);
  });

  it('stops predictStream at the signal and throws its reason once generation has stopped', async () => {
    const whole: unknown[] = [];
    for await (const piece of chat.predictStream!(request)) whole.push(piece);
    // Text pieces, then the last chunk with finish_reason and usage.
    expect(whole.length).toBeGreaterThan(3);

    const controller = new AbortController();
    const reason = cancelled();
    const pieces: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const piece of chat.predictStream!(request, undefined, { signal: controller.signal })) {
          pieces.push(piece);
          if (pieces.length === 1) controller.abort(reason);
        }
      })(),
    );
    expect(error).toBe(reason);
    // No last chunk (finish_reason, usage) follows a cancelled stream, and it ended early.
    expect(pieces.some((p) => typeof p === 'object')).toBe(false);
    expect(pieces.length).toBeLessThan(whole.length - 1);
  });
});
