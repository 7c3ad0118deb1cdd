import { randomBytes } from 'node:crypto';
import type { Generated } from './llm.js';
import {
  type ChatMessage,
  type LlmRequest,
  requestError,
  type ToolCall,
  type ToolDefinition,
} from './llm-request.js';

// Tool calling through a model's own chat template. Templates differ in how an assistant writes a call
// (`<tool_call>{…}</tool_call>`, a bare `{"name": …, "parameters": …}`, `[TOOL_CALLS][{…}]`), so the format
// is read off the template itself: a probe conversation with one (and two) calls is rendered, and the
// text around the rendered JSON is the format. Calls are then generated under a grammar (each call's
// arguments valid against its function's JSON schema) and parsed back into OpenAI's `tool_calls`.

type Json = Record<string, unknown>;

/** Renders a conversation with the model's chat template; `tools` as OpenAI's `tools` entries. */
export type RenderChat = (
  messages: Json[],
  tools: Json[] | undefined,
  addGenerationPrompt: boolean,
) => string;

/** How a chat template writes an assistant's tool calls. */
export interface ToolCallFormat {
  /** Text before the calls' JSON, e.g. `<tool_call>\n` (empty for a bare JSON call). */
  prefix: string;
  /** Text after the last call's JSON before the end of the turn, e.g. `\n</tool_call>`. */
  suffix: string;
  /** From the end of one call's JSON to the start of the next (undefined: the template writes one call). */
  separator?: string;
  /** The calls are one JSON list (`[{…}, {…}]`) rather than one object each. */
  list: boolean;
  /** Keys from a call object down to the object that holds the name and arguments (`['function']` for OpenAI's shape). */
  path: string[];
  nameKey: string;
  argumentsKey: string;
  /** Arguments written as a JSON string rather than an object. */
  argumentsAsString: boolean;
}

/** A call as `{"name": …, "arguments": {…}}` with nothing around it: the format when a template renders tools but not calls. */
export const BARE_JSON_CALLS: ToolCallFormat = {
  prefix: '',
  suffix: '',
  list: false,
  path: [],
  nameKey: 'name',
  argumentsKey: 'arguments',
  argumentsAsString: false,
};

const PROBE_NAME = 'flowline_probe_function';
const PROBE_ARGUMENTS = { flowline_probe_argument: 'flowline_probe_value' };
const PROBE_TEXT = 'flowline_probe_answer';
const PROBE_TOOL = {
  type: 'function',
  function: {
    name: PROBE_NAME,
    description: 'A probe: how this template writes tools and calls.',
    parameters: { type: 'object', properties: { flowline_probe_argument: { type: 'string' } } },
  },
};

/** A top-level JSON value found in text: where it starts and ends, and what it parses to. */
interface JsonSpan {
  start: number;
  end: number;
  value: unknown;
}

/** The end of the bracketed value starting at `from` (strings skipped), or -1 when it does not close. */
function bracketEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return -1;
}

/** Every JSON object or list in `text` that parses, outermost first, left to right. */
function jsonSpans(text: string): JsonSpan[] {
  const spans: JsonSpan[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{' && text[i] !== '[') continue;
    const end = bracketEnd(text, i);
    if (end < 0) continue;
    try {
      spans.push({ start: i, end, value: JSON.parse(text.slice(i, end)) });
      i = end - 1;
    } catch {
      // Not JSON (template text in brackets); look inside it.
    }
  }
  return spans;
}

const mentions = (value: unknown, name: string): boolean =>
  value === name ||
  (typeof value === 'object' && value !== null && Object.values(value).some((v) => mentions(v, name)));

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where a rendered call object keeps its name and arguments, or undefined when it does not hold the probe's. */
function callShape(
  call: unknown,
  path: string[] = [],
): Omit<ToolCallFormat, 'prefix' | 'suffix' | 'list'> | undefined {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) return undefined;
  const entries = Object.entries(call);
  const nameKey = entries.find(([, v]) => v === PROBE_NAME)?.[0];
  if (nameKey !== undefined) {
    for (const [key, v] of entries) {
      if (sameJson(v, PROBE_ARGUMENTS)) return { path, nameKey, argumentsKey: key, argumentsAsString: false };
      if (typeof v === 'string' && v.startsWith('{'))
        try {
          if (sameJson(JSON.parse(v), PROBE_ARGUMENTS))
            return { path, nameKey, argumentsKey: key, argumentsAsString: true };
        } catch {}
    }
    return undefined;
  }
  for (const [key, v] of entries) {
    const inner = path.length < 2 ? callShape(v, [...path, key]) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The part of `rendered` that differs from `plain` (the same conversation whose last turn is the
 * probe's text answer): the turn's header before it and its end after it are shared and cut off.
 */
function turnBody(rendered: string, plain: string): string {
  const text = plain.lastIndexOf(PROBE_TEXT);
  let start = 0;
  while (start < text && rendered[start] === plain[start]) start++;
  let end = 0;
  const tail = plain.length - text - PROBE_TEXT.length;
  while (end < tail && rendered[rendered.length - 1 - end] === plain[plain.length - 1 - end]) end++;
  return rendered.slice(start, rendered.length - end);
}

/**
 * How the chat template writes tool calls, read off the template: undefined when it does not render
 * `tools` at all (no tool support); `BARE_JSON_CALLS` when it renders tools but not an assistant's calls.
 * An assistant turn with the probe's call is compared with one answering the probe's text, so what
 * surrounds either (the turn's header and end, tools placed anywhere) drops out.
 */
export function toolCallFormatOf(render: RenderChat): ToolCallFormat | undefined {
  const user = { role: 'user', content: 'flowline probe question' };
  const tools = [PROBE_TOOL];
  try {
    if (!render([user], tools, true).includes(PROBE_NAME)) return undefined;
  } catch {
    return undefined;
  }
  const call = (id: string) => ({
    id,
    type: 'function',
    function: { name: PROBE_NAME, arguments: PROBE_ARGUMENTS },
  });
  const turn = (calls: number) =>
    render(
      [
        user,
        {
          role: 'assistant',
          content: '',
          tool_calls: Array.from({ length: calls }, (_, i) => call(`call_probe_${i}`)),
        },
      ],
      tools,
      false,
    );
  try {
    const plain = render([user, { role: 'assistant', content: PROBE_TEXT }], tools, false);
    if (!plain.includes(PROBE_TEXT)) return BARE_JSON_CALLS;
    const one = turnBody(turn(1), plain);
    const span = jsonSpans(one).find((s) => mentions(s.value, PROBE_NAME));
    if (!span) return BARE_JSON_CALLS;
    const list = Array.isArray(span.value);
    const shape = callShape(list ? (span.value as unknown[])[0] : span.value);
    if (!shape) return BARE_JSON_CALLS;
    const format: ToolCallFormat = {
      prefix: one.slice(0, span.start),
      suffix: one.slice(span.end),
      list,
      ...shape,
    };
    if (!list) {
      const two = turnBody(turn(2), plain);
      const calls = jsonSpans(two).filter((s) => mentions(s.value, PROBE_NAME));
      if (calls.length >= 2) format.separator = two.slice(calls[0]!.end, calls[1]!.start);
    }
    return format;
  } catch {
    return BARE_JSON_CALLS;
  }
}

/**
 * The conversation as chat templates take it: tool calls' JSON-string arguments as objects (as
 * Hugging Face templates expect them), everything else as sent.
 */
export function templateMessages(messages: ChatMessage[]): Json[] {
  return messages.map((m) => {
    if (!m.tool_calls) return { ...m };
    return {
      ...m,
      tool_calls: m.tool_calls.map((c) => {
        let args: unknown = c.function.arguments;
        try {
          args = JSON.parse(c.function.arguments);
        } catch {}
        return { ...c, function: { ...c.function, arguments: args } };
      }),
    };
  });
}

/** OpenAI's `tools` entries, for the template. */
export function templateTools(tools: ToolDefinition[]): Json[] {
  return tools.map((t) => ({ type: 'function', function: { ...t, parameters: t.parameters } }));
}

/** `$ref`s of one function's schema moved under its own name in the root's `$defs`, so several can share a document. */
function hoisted(schema: unknown, tag: string, defs: Json): unknown {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== 'object' || node === null) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$defs' || k === 'definitions') continue;
      out[k] =
        k === '$ref' && typeof v === 'string' && /^#\/(\$defs|definitions)\//.test(v)
          ? `#/$defs/${tag}.${v.replace(/^#\/(\$defs|definitions)\//, '')}`
          : rewrite(v);
    }
    return out;
  };
  const own = schema as { $defs?: Json; definitions?: Json };
  for (const [name, def] of Object.entries({ ...own.definitions, ...own.$defs }))
    defs[`${tag}.${name}`] = rewrite(def);
  return rewrite(schema);
}

/** The JSON schema of one call in the template's shape: the function's name, then its arguments. */
function callSchema(format: ToolCallFormat, tools: ToolDefinition[]): Json {
  const defs: Json = {};
  const one = tools.map((tool, i) => {
    let inner: Json = {
      type: 'object',
      properties: {
        [format.nameKey]: { const: tool.name },
        [format.argumentsKey]: format.argumentsAsString
          ? { type: 'string' }
          : hoisted(tool.parameters, `f${i}`, defs),
      },
      required: [format.nameKey, format.argumentsKey],
    };
    for (const key of [...format.path].reverse())
      inner = { type: 'object', properties: { [key]: inner }, required: [key] };
    return inner;
  });
  const call = one.length === 1 ? one[0]! : { anyOf: one };
  return Object.keys(defs).length > 0 ? { ...call, $defs: defs } : call;
}

const literal = (text: string) => JSON.stringify(text);

/**
 * A Lark expression (with `%json`) of what follows the format's prefix: one call, or with `parallel` as
 * many as the template can write, each valid against its function's schema, then optionally the suffix.
 */
function callsExpression(format: ToolCallFormat, tools: ToolDefinition[], parallel: boolean): string {
  const call = callSchema(format, tools);
  const suffix = format.suffix.trim() ? ` [${literal(format.suffix)}]` : '';
  if (format.list) {
    const { $defs, ...item } = call as Json & { $defs?: Json };
    const list = {
      type: 'array',
      items: item,
      minItems: 1,
      ...(parallel ? {} : { maxItems: 1 }),
      ...($defs ? { $defs } : {}),
    };
    return `%json ${JSON.stringify(list)}${suffix}`;
  }
  const json = `%json ${JSON.stringify(call)}`;
  const more = parallel && format.separator !== undefined ? ` (${literal(format.separator)} ${json})*` : '';
  return `${json}${more}${suffix}`;
}

/** The Lark grammar of the calls that follow the format's prefix (see `planTools`). */
export function toolCallGrammar(format: ToolCallFormat, tools: ToolDefinition[], parallel: boolean): string {
  return `start: ${callsExpression(format, tools, parallel)}\n`;
}

/** Tool calls written in `format` (after its prefix), as OpenAI's `tool_calls`; ids are fresh. */
export function parseToolCalls(format: ToolCallFormat, text: string, tools: ToolDefinition[]): ToolCall[] {
  const names = new Set(tools.map((t) => t.name));
  const spans = jsonSpans(text);
  const objects = format.list
    ? Array.isArray(spans[0]?.value)
      ? (spans[0].value as unknown[])
      : []
    : spans.map((s) => s.value);
  const calls: ToolCall[] = [];
  for (const object of objects) {
    let holder: unknown = object;
    for (const key of format.path) holder = (holder as Json | null)?.[key];
    if (typeof holder !== 'object' || holder === null) continue;
    const name = (holder as Json)[format.nameKey];
    const args = (holder as Json)[format.argumentsKey];
    if (typeof name !== 'string' || !names.has(name) || args === undefined) continue;
    calls.push({
      id: `call_${randomBytes(12).toString('hex')}`,
      type: 'function',
      function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
    });
  }
  return calls;
}

/**
 * How one request uses tools: not at all; the model's choice (`auto`: free text until it starts a call);
 * a call it must make (`forced`: generated after the prefix); or, with a `response_format`, one grammar
 * allowing either the formatted answer or the prefix and calls (`either`).
 */
export type ToolPlan =
  | { mode: 'text' }
  | { mode: 'auto' | 'forced' | 'either'; format: ToolCallFormat; tools: ToolDefinition[]; grammar: string };

/**
 * The plan for a request's `tools` and `tool_choice`, given the template's format (undefined: the
 * template cannot render tools, a 400 naming `tools` unless the choice is `none`).
 */
export function planTools(request: LlmRequest, format: ToolCallFormat | undefined): ToolPlan {
  if (request.tools.length === 0 || request.toolChoice === 'none') return { mode: 'text' };
  if (!format)
    throw requestError(
      'tools',
      "This model's chat template does not render tools, so it cannot call them; leave 'tools' out or serve a model whose chat template supports tools.",
    );
  const choice = request.toolChoice;
  const tools =
    typeof choice === 'object' ? request.tools.filter((t) => t.name === choice.name) : request.tools;
  const calls = callsExpression(format, tools, request.parallelToolCalls);
  const response = request.responseFormat;
  if (choice === 'auto' && response.type !== 'text') {
    const schema = response.type === 'json_schema' ? response.schema : { type: 'object' };
    const prefix = format.prefix.trim() ? `${literal(format.prefix)} ` : '';
    return {
      mode: 'either',
      format,
      tools,
      grammar: `start: %json ${JSON.stringify(schema)} | ${prefix}${calls}\n`,
    };
  }
  return { mode: choice === 'auto' ? 'auto' : 'forced', format, tools, grammar: `start: ${calls}\n` };
}

/**
 * One generation from a prompt: `grammar` (Lark) constrains it instead of the request's own
 * `response_format`; `spent` completion tokens of the same answer came before it (they count against `max_tokens`).
 */
export type GenerateFrom = (
  prompt: string,
  options: { grammar?: string; spent?: number },
  onText?: (text: string) => void,
  signal?: AbortSignal,
) => Promise<Generated>;

/** Two phases of one answer as one: the prompt once, both phases' tokens. */
function joined(first: Generated, second: Generated): Generated {
  return {
    ...second,
    promptTokens: first.promptTokens,
    completionTokens: first.completionTokens + second.completionTokens,
    ...(first.cachedTokens === undefined ? {} : { cachedTokens: first.cachedTokens }),
    ...(first.logprobs || second.logprobs
      ? { logprobs: [...(first.logprobs ?? []), ...(second.logprobs ?? [])] }
      : {}),
  };
}

/** A call phase's result: its calls, or (cut short by `max_tokens`, so no whole call) its text. */
function withCalls(plan: Exclude<ToolPlan, { mode: 'text' }>, g: Generated, skip = 0): Generated {
  const toolCalls = parseToolCalls(plan.format, g.text.slice(skip), plan.tools);
  return toolCalls.length > 0 ? { ...g, text: '', toolCalls } : g;
}

/**
 * Generates one answer under the plan, from the prompt rendered with the tools. A forced call starts
 * after the format's prefix under the call grammar. `auto` lets the model write freely; the moment its
 * answer begins with the prefix (or, for a bare format, with JSON), that phase stops and the call is
 * generated under the grammar. Text that might still become a call is held back from `onText` until it cannot.
 */
export async function generateWithTools(
  plan: ToolPlan,
  prompt: string,
  generate: GenerateFrom,
  onText?: (text: string) => void,
  signal?: AbortSignal,
): Promise<Generated> {
  if (plan.mode === 'text') return generate(prompt, {}, onText, signal);
  const callPrompt = prompt + plan.format.prefix;
  if (plan.mode === 'forced')
    return withCalls(plan, await generate(callPrompt, { grammar: plan.grammar }, undefined, signal));
  if (plan.mode === 'either') {
    // The answer is the formatted JSON or the prefix and calls; which one is known only at the end.
    const g = await generate(prompt, { grammar: plan.grammar }, undefined, signal);
    const prefix = plan.format.prefix.trim();
    const start = g.text.length - g.text.trimStart().length;
    const isCall = prefix ? g.text.startsWith(prefix, start) : true;
    const result = isCall ? withCalls(plan, g, prefix ? start + prefix.length : 0) : g;
    if (!result.toolCalls) onText?.(g.text);
    return result;
  }
  const marker = plan.format.prefix.trim() || (plan.format.list ? '[' : '{');
  const free = new AbortController();
  const stop = () => free.abort();
  signal?.addEventListener('abort', stop, { once: true });
  let text = '';
  let decided: 'text' | 'call' | undefined;
  const first = await generate(
    prompt,
    {},
    (piece) => {
      if (decided === 'call') return;
      if (decided === 'text') return onText?.(piece);
      text += piece;
      const start = text.trimStart();
      if (start.startsWith(marker)) {
        decided = 'call';
        free.abort();
      } else if (start !== '' && !marker.startsWith(start)) {
        decided = 'text';
        onText?.(text);
      }
    },
    free.signal,
  ).finally(() => signal?.removeEventListener('abort', stop));
  if (decided !== 'call') {
    if (decided === undefined && text) onText?.(text);
    return first;
  }
  signal?.throwIfAborted();
  const call = await generate(
    callPrompt,
    { grammar: plan.grammar, spent: first.completionTokens },
    undefined,
    signal,
  );
  return withCalls(plan, joined(first, call));
}
