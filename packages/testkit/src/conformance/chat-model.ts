import { afterAll, beforeAll, describe, expect } from 'vitest';
import { expectMlflowError } from './harness.js';
import { type SkipList, skippable } from './skip.js';

/** A loaded `llm/v1/chat` model as `@flowline/model-format` gives it (`LoadedModel`'s predict and stream). */
export interface ChatModel {
  predict(input: unknown, params?: Record<string, unknown>): Promise<unknown>;
  predictStream?(input: unknown, params?: Record<string, unknown>): AsyncIterable<unknown>;
}

/** A chat model ready for the suite. */
export interface ChatModelTarget {
  model: ChatModel;
  /** How many forward passes the model has run so far, in this process (to see that generation stopped). */
  countSteps(): number;
  close(): Promise<void>;
}

/** What `runChatModelConformance` runs against. */
export interface ChatModelConformanceOptions {
  name: string;
  create(): Promise<ChatModelTarget>;
  /** Messages the model answers with at least 9 characters in 16 tokens (default: one user message). */
  messages?: Array<{ role: string; content: string }>;
  /** Deliberate differences of this flavor: exact test name → why. */
  skip?: SkipList;
}

interface ChatAnswer {
  object: string;
  created: number;
  choices: Array<{ index: number; message: { role: string; content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

type FinalChunk = Pick<ChatAnswer, 'usage'> & { choices: Array<{ index: number; finish_reason: string }> };

/** The pieces of a stream: the text pieces, and every other chunk (the final one, with finish_reason). */
async function readStream(stream: AsyncIterable<unknown>): Promise<{ text: string[]; chunks: unknown[] }> {
  const text: string[] = [];
  const chunks: unknown[] = [];
  for await (const piece of stream) {
    if (typeof piece === 'string') {
      expect(chunks, 'text after the final chunk').toEqual([]);
      text.push(piece);
    } else chunks.push(piece);
  }
  return { text, chunks };
}

/**
 * The chat-model conformance suite, for every flavor that answers MLflow's `llm/v1/chat`: the
 * OpenAI-style response (one choice, assistant message, finish_reason, usage), a stream of text pieces
 * ending in exactly one final chunk, stop sequences (cut before, never included), and cancellation:
 * a consumer that stops reading a stream stops the generation, and the model is left as it was.
 */
export function runChatModelConformance(options: ChatModelConformanceOptions): void {
  describe(`chat model conformance: ${options.name}`, () => {
    let target: ChatModelTarget;
    beforeAll(async () => {
      target = await options.create();
    });
    afterAll(async () => {
      await target?.close();
    });
    const messages = options.messages ?? [{ role: 'user', content: 'the mat is a world' }];
    const ask = async (request: Record<string, unknown>) =>
      (await target.model.predict({ messages, ...request })) as ChatAnswer;
    const stream = (request: Record<string, unknown>) => {
      const predictStream = target.model.predictStream;
      expect(predictStream, 'a chat model streams').toBeTypeOf('function');
      return predictStream!.call(target.model, { messages, ...request });
    };
    const { test, done } = skippable(options.skip);

    test('answers with one chat.completion choice: an assistant message, a finish_reason and usage', async () => {
      const answer = await ask({ max_tokens: 16 });
      expect(answer.object).toBe('chat.completion');
      expect(Number.isInteger(answer.created)).toBe(true);
      expect(answer.choices).toHaveLength(1);
      const [choice] = answer.choices;
      expect(choice).toMatchObject({ index: 0, message: { role: 'assistant', content: expect.any(String) } });
      expect(['stop', 'length']).toContain(choice!.finish_reason);
      const { prompt_tokens, completion_tokens, total_tokens } = answer.usage;
      expect(prompt_tokens).toBeGreaterThan(0);
      expect(completion_tokens).toBeGreaterThan(0);
      expect(total_tokens).toBe(prompt_tokens + completion_tokens);
    });

    test('generates at most max_tokens tokens, and says length only when they ran out', async () => {
      for (const max of [1, 3]) {
        const answer = await ask({ max_tokens: max });
        expect(answer.usage.completion_tokens).toBeLessThanOrEqual(max);
        if (answer.choices[0]!.finish_reason === 'length') expect(answer.usage.completion_tokens).toBe(max);
      }
    });

    test('answers the same request the same way at temperature 0', async () => {
      const first = await ask({ max_tokens: 16, temperature: 0 });
      const second = await ask({ max_tokens: 16, temperature: 0 });
      expect(second.choices).toEqual(first.choices);
      expect(second.usage).toEqual(first.usage);
    });

    test('streams text pieces that join to the whole answer, then exactly one final chunk with finish_reason and usage', async () => {
      const whole = await ask({ max_tokens: 16 });
      const { text, chunks } = await readStream(stream({ max_tokens: 16 }));
      expect(text.length).toBeGreaterThan(1);
      expect(text.join('')).toBe(whole.choices[0]!.message.content);
      expect(chunks).toHaveLength(1);
      const final = chunks[0] as FinalChunk;
      expect(final.choices).toHaveLength(1);
      expect(final.choices[0]).toMatchObject({ index: 0, finish_reason: whole.choices[0]!.finish_reason });
      expect(final.usage).toEqual(whole.usage);
    });

    test('stops at a stop sequence, which the answer does not include, streamed or not', async () => {
      const full = await ask({ max_tokens: 16 });
      const text = full.choices[0]!.message.content;
      expect(text.length, 'the suite needs an answer of 9 characters or more').toBeGreaterThan(8);
      const stop = text.slice(4, 7);
      const cut = text.slice(0, text.indexOf(stop));
      const request = { max_tokens: 16, stop: ['never in any answer', stop] };
      const stopped = await ask(request);
      expect(stopped.choices[0]).toMatchObject({ message: { content: cut }, finish_reason: 'stop' });
      expect(stopped.usage.completion_tokens).toBeLessThan(full.usage.completion_tokens);
      const streamed = await readStream(stream(request));
      expect(streamed.text.join('')).toBe(cut);
      expect(streamed.chunks).toHaveLength(1);
      expect((streamed.chunks[0] as FinalChunk).choices[0]!.finish_reason).toBe('stop');
    });

    test('stops generating when the consumer stops reading a stream, and leaves the model as it was', async () => {
      const short = { max_tokens: 4, temperature: 0 };
      const before = target.countSteps();
      const expected = await ask(short);
      const shortSteps = target.countSteps() - before;
      // A long answer, left after its first piece: return() must end the generation, not leave it running.
      const iterator = stream({ max_tokens: 64, temperature: 0 })[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      const atCancel = target.countSteps();
      await iterator.return?.();
      // A generation on a worker thread may run a few steps ahead of the pieces read here, and hears of
      // the return() a message later; far fewer than the 64 asked for still shows it ended.
      expect(target.countSteps() - atCancel, 'steps after return()').toBeLessThan(32);
      // Had the long generation gone on, its steps would land among these.
      const again = target.countSteps();
      const after = await ask(short);
      expect(target.countSteps() - again).toBe(shortSteps);
      expect(after.choices).toEqual(expected.choices);
    });

    test('answers n choices, and refuses malformed requests with INVALID_PARAMETER_VALUE', async () => {
      const three = (await target.model.predict({ messages, n: 3, max_tokens: 3 })) as {
        choices: { index: number; message: { content: string } }[];
      };
      expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
      await expectMlflowError(target.model.predict({ messages, n: 0 }), 'INVALID_PARAMETER_VALUE');
      await expectMlflowError(target.model.predict({ messages: [] }), 'INVALID_PARAMETER_VALUE');
      await expectMlflowError(
        target.model.predict({ messages: [{ role: 'pirate', content: 'arr' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(target.model.predict({ messages, stop: [''] }), 'INVALID_PARAMETER_VALUE');
    });

    done();
  });
}
