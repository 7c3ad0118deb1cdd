import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGuidance, compileGuidance, Tokenizer } from '@flowline/onnx-genai';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLlmRequest } from '../src/llm-request.js';
import {
  BARE_JSON_CALLS,
  parseToolCalls,
  planTools,
  type RenderChat,
  type ToolCallFormat,
  templateMessages,
  toolCallFormatOf,
  toolCallGrammar,
} from '../src/llm-tools.js';

// Tool-call formats read off chat templates written in the styles real models use, the call grammar
// they give (checked character by character), and calls parsed back into OpenAI's shape.

/** Hermes / Qwen style: tools in a system turn, each call in <tool_call> tags, tool results as user turns. */
const TAGGED =
  '{% if tools %}<|im_start|>system\nTools:\n{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}<|im_end|>\n{% endif %}' +
  '{% for message in messages %}' +
  "{% if message.role == 'assistant' and message.tool_calls %}<|im_start|>assistant\n" +
  "{% for call in message.tool_calls %}{% if not loop.first %}\n{% endif %}<tool_call>\n{{ {'name': call.function.name, 'arguments': call.function.arguments} | tojson }}\n</tool_call>{% endfor %}<|im_end|>\n" +
  "{% elif message.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ message.content }}\n</tool_response><|im_end|>\n" +
  '{% else %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endif %}{% endfor %}' +
  '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';

/** Llama 3.1 style: a bare JSON call with `parameters`, one call per turn. */
const BARE =
  '{% if tools %}<|tools|>{{ tools | tojson }}<|eot|>{% endif %}{% for message in messages %}' +
  "{% if message.role == 'assistant' and message.tool_calls %}<|assistant|>{{ {'name': message.tool_calls[0].function.name, 'parameters': message.tool_calls[0].function.arguments} | tojson }}<|eot|>" +
  "{% elif message.role == 'tool' %}<|ipython|>{{ message.content }}<|eot|>" +
  '{% else %}<|{{ message.role }}|>{{ message.content }}<|eot|>{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}';

/** Mistral style: one list of calls after a marker, with ids. */
const LISTED =
  '{% for message in messages %}{% if message.role == "user" %}{% if tools and loop.last %}[AVAILABLE_TOOLS]{{ tools | tojson }}[/AVAILABLE_TOOLS]{% endif %}[INST]{{ message.content }}[/INST]' +
  "{% elif message.tool_calls %}[TOOL_CALLS][{% for c in message.tool_calls %}{% if not loop.first %}, {% endif %}{{ {'name': c.function.name, 'arguments': c.function.arguments, 'id': c.id} | tojson }}{% endfor %}]</s>" +
  "{% elif message.role == 'tool' %}[TOOL_RESULTS]{{ message.content }}[/TOOL_RESULTS]{% else %}{{ message.content }}</s>{% endif %}{% endfor %}";

/** OpenAI's own shape, arguments as a JSON string, under a marker token. */
const NESTED =
  '{% if tools %}<|tool|>{{ tools | tojson }}<|/tool|>{% endif %}{% for message in messages %}<|{{ message.role }}|>' +
  "{% if message.tool_calls %}<|tool_call|>{% for c in message.tool_calls %}{{ {'type': 'function', 'function': {'name': c.function.name, 'arguments': c.function.arguments | tojson}} | tojson }}{% endfor %}<|/tool_call|>" +
  '{% else %}{{ message.content }}{% endif %}<|end|>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}';

/** Renders tools but ignores an assistant's calls. */
const TOOLS_ONLY =
  '{% if tools %}{{ tools | tojson }}{% endif %}{% for message in messages %}<|{{ message.role }}|>{{ message.content }}<|end|>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}';

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', enum: ['Oslo', 'Lima'] },
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
      properties: { zone: { $ref: '#/$defs/zone' } },
      required: ['zone'],
      $defs: { zone: { enum: ['UTC', 'CET'] } },
    },
  },
};

let dir: string;
let tokenizer: Tokenizer;
const renderWith =
  (template: string): RenderChat =>
  (messages, tools, addGenerationPrompt) =>
    tokenizer.applyChatTemplate(messages as never, {
      template,
      addGenerationPrompt,
      ...(tools ? { tools } : {}),
    });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-llm-tools-'));
  const folder = await writeModelFiles(
    dir,
    createTinyDecoder({ layout: 'phi3', seed: 3, symbols: true }).files,
  );
  tokenizer = await Tokenizer.fromFolder(folder);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Whether the grammar accepts exactly `text` (walked one character at a time, as a one-character vocabulary would). */
function accepts(grammar: string, text: string): boolean {
  const chars = [...new Set([...text, 'x'])];
  const state = compileGuidance('lark_grammar', grammar, { tokens: ['<eos>', ...chars], eos: [0] }).start();
  for (const c of text) {
    const id = chars.indexOf(c) + 1;
    if (!state.allows(id)) return false;
    state.advance(id);
  }
  return state.allows(0);
}

describe('tool-call formats read off chat templates', () => {
  it('finds each style: tags, bare JSON with parameters, a listed marker, OpenAI nesting with string arguments', () => {
    expect(toolCallFormatOf(renderWith(TAGGED))).toEqual({
      prefix: '<tool_call>\n',
      suffix: '\n</tool_call>',
      // Chat templates run with trim_blocks, so the newline after `{% if not loop.first %}` is dropped.
      separator: '\n</tool_call><tool_call>\n',
      list: false,
      path: [],
      nameKey: 'name',
      argumentsKey: 'arguments',
      argumentsAsString: false,
    });
    expect(toolCallFormatOf(renderWith(BARE))).toEqual({
      prefix: '',
      suffix: '',
      list: false,
      path: [],
      nameKey: 'name',
      argumentsKey: 'parameters',
      argumentsAsString: false,
    });
    expect(toolCallFormatOf(renderWith(LISTED))).toMatchObject({
      prefix: '[TOOL_CALLS]',
      suffix: '',
      list: true,
      nameKey: 'name',
      argumentsKey: 'arguments',
    });
    expect(toolCallFormatOf(renderWith(NESTED))).toMatchObject({
      prefix: '<|tool_call|>',
      suffix: '<|/tool_call|>',
      path: ['function'],
      argumentsAsString: true,
    });
  });

  it('a template that never renders tools has no format; one that renders tools but not calls gets bare JSON', () => {
    expect(
      toolCallFormatOf(renderWith('{% for m in messages %}{{ m.content }}{% endfor %}')),
    ).toBeUndefined();
    expect(toolCallFormatOf(renderWith(TOOLS_ONLY))).toEqual(BARE_JSON_CALLS);
  });

  it("renders a round trip: the assistant's calls as the template writes them, then the tool's result", () => {
    const request = readLlmRequest('chat', {
      messages: [
        { role: 'user', content: 'weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo","days":1}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 3 degrees' },
      ],
      tools: [WEATHER],
    });
    const text = renderWith(TAGGED)(templateMessages(request.messages), [WEATHER], true);
    expect(text).toContain(
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "days": 1}}\n</tool_call>',
    );
    expect(text).toContain('<tool_response>\nsunny, 3 degrees\n</tool_response>');
    expect(text.endsWith('<|im_start|>assistant\n')).toBe(true);
  });
});

describe('the call grammar', () => {
  const tagged = () => toolCallFormatOf(renderWith(TAGGED))!;
  const tools = () =>
    readLlmRequest('chat', { messages: [{ role: 'user', content: 'x' }], tools: [WEATHER, TIME] }).tools;

  it("accepts calls valid against their function's schema and nothing else", () => {
    const grammar = toolCallGrammar(tagged(), tools(), true);
    checkGuidance('lark_grammar', grammar);
    const weather = '{"name":"get_weather","arguments":{"city":"Oslo","days":2}}';
    const time = '{"name":"get_time","arguments":{"zone":"CET"}}';
    expect(accepts(grammar, weather)).toBe(true);
    expect(accepts(grammar, `${weather}\n</tool_call>`)).toBe(true);
    expect(accepts(grammar, `${weather}\n</tool_call><tool_call>\n${time}\n</tool_call>`)).toBe(true);
    expect(accepts(grammar, weather.replace('Oslo', 'Rome'))).toBe(false);
    expect(accepts(grammar, weather.replace('2', '7'))).toBe(false);
    expect(accepts(grammar, time.replace('CET', 'EST'))).toBe(false);
    expect(accepts(grammar, '{"name":"get_tide","arguments":{}}')).toBe(false);
    expect(accepts(grammar, weather.slice(0, -1))).toBe(false);
  });

  it('one call only without parallel_tool_calls; a list format caps the list', () => {
    const weather = '{"name":"get_weather","arguments":{"city":"Lima","days":1}}';
    const single = toolCallGrammar(tagged(), tools(), false);
    expect(accepts(single, weather)).toBe(true);
    expect(accepts(single, `${weather}\n</tool_call><tool_call>\n${weather}`)).toBe(false);
    const listed = toolCallFormatOf(renderWith(LISTED))!;
    expect(accepts(toolCallGrammar(listed, tools(), true), `[${weather},${weather}]`)).toBe(true);
    expect(accepts(toolCallGrammar(listed, tools(), false), `[${weather},${weather}]`)).toBe(false);
    expect(accepts(toolCallGrammar(listed, tools(), false), `[${weather}]`)).toBe(true);
  });

  it('parses calls back into OpenAI tool_calls with fresh ids, arguments as JSON strings', () => {
    const text =
      '{"name":"get_weather","arguments":{"city":"Oslo","days":2}}\n</tool_call>\n<tool_call>\n{"name":"get_time","arguments":{"zone":"UTC"}}';
    const calls = parseToolCalls(tagged(), text, tools());
    expect(calls.map((c) => c.function)).toEqual([
      { name: 'get_weather', arguments: '{"city":"Oslo","days":2}' },
      { name: 'get_time', arguments: '{"zone":"UTC"}' },
    ]);
    expect(calls[0]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    const nested = toolCallFormatOf(renderWith(NESTED))!;
    expect(
      parseToolCalls(
        nested,
        '{"type":"function","function":{"name":"get_time","arguments":"{\\"zone\\":\\"UTC\\"}"}}',
        tools(),
      )[0]!.function,
    ).toEqual({
      name: 'get_time',
      arguments: '{"zone":"UTC"}',
    });
  });

  it('plans by tool_choice, and refuses tools on a template without them, naming the parameter', () => {
    const ask = (body: object) =>
      readLlmRequest('chat', { messages: [{ role: 'user', content: 'x' }], tools: [WEATHER, TIME], ...body });
    const format: ToolCallFormat = tagged();
    expect(planTools(ask({ tool_choice: 'none' }), undefined)).toEqual({ mode: 'text' });
    expect(planTools(ask({}), format).mode).toBe('auto');
    expect(planTools(ask({ tool_choice: 'required' }), format).mode).toBe('forced');
    const named = planTools(
      ask({ tool_choice: { type: 'function', function: { name: 'get_time' } } }),
      format,
    );
    expect(named.mode === 'forced' && named.tools.map((t) => t.name)).toEqual(['get_time']);
    const either = planTools(ask({ response_format: { type: 'json_object' } }), format);
    expect(either.mode).toBe('either');
    if (either.mode === 'either') {
      expect(accepts(either.grammar, '{"answer":1}')).toBe(true);
      expect(accepts(either.grammar, '<tool_call>\n{"name":"get_time","arguments":{"zone":"UTC"}}')).toBe(
        true,
      );
    }
    expect(() => planTools(ask({}), undefined)).toThrow(
      expect.objectContaining({ param: 'tools', message: expect.stringContaining('does not render tools') }),
    );
  });
});
