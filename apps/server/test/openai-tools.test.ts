import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer } from '../src/index.js';
import { refusal } from './openai-helpers.js';

// OpenAI's tools and tool_choice through the official `openai` client on served onnx_genai testkit
// models whose chat templates render tools in two styles (calls in tags; a bare JSON call), and one
// whose template has no tool support.

/** Hermes style: tools listed in a system turn, calls in <tool_call> tags, results in <tool_response>. */
const TAGGED =
  '{% if tools %}<|system|>\nTools:\n{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}<|end|>\n{% endif %}' +
  '{% for message in messages %}' +
  "{% if message.role == 'assistant' and message.tool_calls %}<|assistant|>\n" +
  "{% for call in message.tool_calls %}<tool_call>\n{{ {'name': call.function.name, 'arguments': call.function.arguments} | tojson }}\n</tool_call>{% endfor %}<|end|>\n" +
  "{% elif message.role == 'tool' %}<|user|>\n<tool_response>\n{{ message.content }}\n</tool_response><|end|>\n" +
  "{% else %}{{ '<|' + message.role + '|>' }}\n{{ message.content }}<|end|>\n{% endif %}{% endfor %}" +
  '{% if add_generation_prompt %}<|assistant|>\n{% endif %}';

/** Llama 3.1 style: a bare JSON call with `parameters`. */
const BARE =
  '{% if tools %}<|system|>{{ tools | tojson }}<|end|>{% endif %}{% for message in messages %}' +
  "{% if message.role == 'assistant' and message.tool_calls %}<|assistant|>{{ {'name': message.tool_calls[0].function.name, 'parameters': message.tool_calls[0].function.arguments} | tojson }}<|end|>" +
  "{% elif message.role == 'tool' %}<|user|>{{ message.content }}<|end|>" +
  "{% else %}{{ '<|' + message.role + '|>' }}{{ message.content }}<|end|>{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The forecast for a city.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', enum: ['oslo', 'lima', 'cairo'] },
        days: { type: 'integer', minimum: 1, maximum: 3 },
      },
      required: ['city', 'days'],
      additionalProperties: false,
    },
  },
};
const TIME = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    parameters: {
      type: 'object',
      properties: { zone: { type: 'string', enum: ['utc', 'cet'] } },
      required: ['zone'],
    },
  },
};
const tools = [WEATHER, TIME];
const messages = [{ role: 'user' as const, content: 'hello the cat' }];

let dir: string;
const apps: FastifyInstance[] = [];
let tagged: OpenAI;
let bare: OpenAI;
let plain: OpenAI;
let taggedBase: string;
/** The id of `{` in the testkit vocabulary (a bias on it makes the bare model start a call). */
let brace: number;
let cat: number;

async function serve(name: string, template?: string): Promise<{ client: OpenAI; base: string }> {
  const files = await writeModelFiles(
    join(dir, `${name}-files`),
    createTinyDecoder({ layout: 'phi3', seed: 5, maxPositions: 1024, symbols: true }).files,
  );
  if (template) {
    const config = join(files, 'tokenizer_config.json');
    await writeFile(
      config,
      JSON.stringify({ ...JSON.parse(await readFile(config, 'utf8')), chat_template: template }),
    );
  }
  await saveModel({ path: join(dir, name), onnxGenai: { source: files } });
  const app = await buildScoringServer({ model: await loadModel(join(dir, name)), modelName: name });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { client: new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 }), base };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-openai-tools-'));
  const t = await serve('tagged', TAGGED);
  tagged = t.client;
  taggedBase = t.base;
  bare = (await serve('bare', BARE)).client;
  plain = (await serve('plain')).client;
  const vocab = (
    JSON.parse(await readFile(join(dir, 'bare-files', 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
    }
  ).model.vocab;
  brace = vocab['{']!;
  cat = vocab.cat!;
  expect(brace).toBeTypeOf('number');
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await rm(dir, { recursive: true, force: true });
});

type Call = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** Checks a call against the test's two functions: a known name and arguments valid against its schema. */
function expectValidCall(call: Call, only?: string) {
  expect(call.type).toBe('function');
  expect(call.id).toMatch(/^call_/);
  if (only) expect(call.function.name).toBe(only);
  const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
  if (call.function.name === 'get_weather') {
    expect(Object.keys(args).sort()).toEqual(['city', 'days']);
    expect(['oslo', 'lima', 'cairo']).toContain(args.city);
    expect([1, 2, 3]).toContain(args.days);
  } else {
    expect(call.function.name).toBe('get_time');
    expect(['utc', 'cet']).toContain(args.zone);
  }
}

describe('tools and tool_choice on served local models', () => {
  it("tool_choice 'required': a call to one of the tools, arguments valid against its schema, finish_reason tool_calls", async () => {
    for (let seed = 0; seed < 6; seed++) {
      const a = await tagged.chat.completions.create({
        model: 'tagged',
        messages,
        tools,
        tool_choice: 'required',
        temperature: 1,
        seed,
      });
      const choice = a.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls?.length).toBe(1);
      for (const call of choice.message.tool_calls as Call[]) {
        expectValidCall(call);
      }
      expect(a.usage!.completion_tokens).toBeGreaterThan(5);
    }
  });

  it('a named tool_choice calls that function; the bare JSON style works the same', async () => {
    for (const client of [tagged, bare]) {
      const a = await client.chat.completions.create({
        model: client === tagged ? 'tagged' : 'bare',
        messages,
        tools,
        tool_choice: { type: 'function', function: { name: 'get_time' } },
      });
      expect(a.choices[0]!.finish_reason).toBe('tool_calls');
      for (const call of a.choices[0]!.message.tool_calls as Call[]) expectValidCall(call, 'get_time');
    }
  });

  it('streams a forced call as tool_calls deltas with an index, and no content', async () => {
    const stream = await tagged.chat.completions.create({
      model: 'tagged',
      messages,
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    const calls: Call[] = [];
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        content += c.delta.content ?? '';
        for (const d of c.delta.tool_calls ?? []) {
          expect(d.index).toBe(calls.length);
          calls.push({
            id: d.id!,
            type: d.type!,
            function: { name: d.function!.name!, arguments: d.function!.arguments! },
          });
        }
        finish = c.finish_reason ?? finish;
      }
    }
    expect(content).toBe('');
    expect(finish).toBe('tool_calls');
    expect(calls).toHaveLength(1);
    expectValidCall(calls[0]!, 'get_weather');
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
  });

  it("'auto': the model's choice; once its answer starts a call the call is generated under the schema", async () => {
    // The bias makes the bare-JSON model open its answer with '{', which in that style starts a call.
    const call = await bare.chat.completions.create({
      model: 'bare',
      messages,
      tools,
      logit_bias: { [brace]: 100 },
    });
    expect(call.choices[0]!.finish_reason).toBe('tool_calls');
    for (const c of call.choices[0]!.message.tool_calls as Call[]) expectValidCall(c);
    // Biased towards a word instead, it answers in text, streamed as content, with no calls.
    const stream = await bare.chat.completions.create({
      model: 'bare',
      messages,
      tools,
      logit_bias: { [cat]: 100 },
      max_tokens: 6,
      stream: true,
    });
    let content = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        expect(c.delta.tool_calls).toBeUndefined();
        content += c.delta.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    expect(content.trim()).toMatch(/^cat( cat)*$/);
    expect(finish).toBe('length');
  });

  it("a tool round trip: the assistant's call and the tool's result are rendered into the next turn", async () => {
    const first = await tagged.chat.completions.create({
      model: 'tagged',
      messages,
      tools,
      tool_choice: 'required',
    });
    const call = (first.choices[0]!.message.tool_calls as Call[])[0]!;
    const followUp: OpenAI.ChatCompletionMessageParam[] = [
      ...messages,
      { role: 'assistant' as const, content: null, tool_calls: [call] },
      { role: 'tool' as const, tool_call_id: call.id, content: 'sunny and warm, the cat sat on the mat' },
    ];
    const answer = await tagged.chat.completions.create({
      model: 'tagged',
      messages: followUp,
      tools,
      tool_choice: 'none',
      max_tokens: 4,
    });
    expect(answer.choices[0]!.message.tool_calls).toBeUndefined();
    expect(answer.choices[0]!.finish_reason).toBe('length');
    const without = await tagged.chat.completions.create({ model: 'tagged', messages, max_tokens: 4 });
    // The call's JSON and the result's words are in the prompt.
    const callTokens = call.function.arguments.length;
    expect(answer.usage!.prompt_tokens).toBeGreaterThan(without.usage!.prompt_tokens + callTokens / 2);
  });

  it('a model whose template has no tool support answers 400 naming tools; tool_choice none still answers', async () => {
    const error = await refusal(plain.chat.completions.create({ model: 'plain', messages, tools }));
    expect(error.status).toBe(400);
    expect(error.param).toBe('tools');
    expect(error.message).toMatch(/does not render tools/);
    const answer = await plain.chat.completions.create({
      model: 'plain',
      messages,
      tools,
      tool_choice: 'none',
      max_tokens: 3,
    });
    expect(answer.choices[0]!.message.content).toBeTypeOf('string');
  });

  it('refuses a function schema the grammar cannot enforce, and a tool_choice naming no tool', async () => {
    const odd = {
      type: 'function' as const,
      function: { name: 'odd', parameters: { type: 'object', properties: { a: { type: 'tuple' } } } },
    };
    const error = await refusal(
      tagged.chat.completions.create({ model: 'tagged', messages, tools: [odd], tool_choice: 'required' }),
    );
    expect([error.status, error.param]).toEqual([400, 'tools']);
    const unnamed = await refusal(
      tagged.chat.completions.create({
        model: 'tagged',
        messages,
        tools,
        tool_choice: { type: 'function', function: { name: 'get_tide' } },
      }),
    );
    expect([unnamed.status, unnamed.param]).toEqual([400, 'tool_choice']);
  });

  it('/invocations answers the same chat body with the same tool calls', async () => {
    const body = {
      messages,
      tools,
      tool_choice: { type: 'function' as const, function: { name: 'get_weather' } },
      temperature: 1,
      seed: 4,
    };
    const response = await fetch(`${taggedBase}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const viaInvocations = (await response.json()) as { choices: { message: { tool_calls: Call[] } }[] };
    const viaV1 = await tagged.chat.completions.create({ model: 'tagged', ...body });
    const args = (calls: Call[]) => calls.map((c) => c.function);
    expect(args(viaInvocations.choices[0]!.message.tool_calls)).toEqual(
      args(viaV1.choices[0]!.message.tool_calls as Call[]),
    );
  });
});
