import { MlflowError } from '@flowline/core';

// The one reading of an OpenAI-style chat or completions request (as `/v1/*` and MLflow's `llm/v1/*`
// `/invocations` bodies send it): every field OpenAI documents is either understood here, typed, or
// refused with a 400 naming it; nothing is silently ignored. The scoring server and `llmPredictor` both
// read requests through `readLlmRequest`, and a request read once is not read again.

type Json = Record<string, unknown>;

/** A tool call of an assistant message, as OpenAI's chat API writes it. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A chat message: MLflow's `{role, content}`, with OpenAI's tool fields where they apply. */
export interface ChatMessage {
  role: string;
  content: string;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** A function the model may call (`tools[].function`). */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Json;
  strict?: boolean;
}

/** `tool_choice`: let the model decide, forbid calls, require one, or require this function. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** `response_format`: free text, any JSON object, or JSON valid against a schema. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Json; strict: boolean };

/** A chat or completions request, read and checked. */
export interface LlmRequest {
  readonly kind: 'chat' | 'completions';
  /** Chat: the conversation (`developer` read as `system`, content parts joined). */
  messages: ChatMessage[];
  /** Completions: the prompt. */
  prompt: string;
  /** Most new tokens: `max_completion_tokens`, else `max_tokens`. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Not OpenAI's; MLflow's chat schema and most local servers take it. */
  topK?: number;
  seed?: number;
  presencePenalty: number;
  frequencyPenalty: number;
  stop: string[];
  n: number;
  /** Completions only: the prompt is repeated before the answer. */
  echo: boolean;
  /** Report each token's log-probability; with `topLogprobs` alternatives (chat 0–20, completions 0–5). */
  logprobs: boolean;
  topLogprobs: number;
  /** Token id → bias added to its logit (-100 to 100), OpenAI's `logit_bias`. */
  logitBias: Map<number, number>;
  responseFormat: ResponseFormat;
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with `usage` and no choices. */
  includeUsage: boolean;
  /** The model the client named, if any (the server checks it). */
  model?: string;
}

/** A client mistake in an LLM request: MLflow's INVALID_PARAMETER_VALUE, naming the parameter (OpenAI's `param`). */
export function requestError(param: string | null, message: string): MlflowError & { param: string | null } {
  return Object.assign(MlflowError.invalidParameterValue(message), { param });
}

const READ = Symbol('flowline.llmRequest');

/** Fields the server or protocol carries that need no reading (OpenAI's bookkeeping). */
const ACCEPTED = new Set(['user', 'metadata', 'store', 'service_tier']);

/** OpenAI fields no local model here can honour: refused by name, never ignored. */
const REFUSED: Record<string, string> = {
  audio: 'audio output is not supported by local text models',
  modalities: "only the 'text' modality is supported",
  prediction: 'predicted outputs are not supported',
  reasoning_effort: 'this model has no reasoning effort setting',
  web_search_options: 'web search is not available to a local model',
  functions: "the deprecated 'functions' field is not supported; send 'tools'",
  function_call: "the deprecated 'function_call' field is not supported; send 'tool_choice'",
  suffix: "'suffix' (insertion) is not supported",
  best_of: "'best_of' above 1 is not supported; use 'n'",
};

/** Fields both requests share. */
const SHARED_FIELDS = [
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'stop',
  'n',
  'logprobs',
  'logit_bias',
  'stream',
  'stream_options',
];
const CHAT_FIELDS = new Set([
  ...SHARED_FIELDS,
  'messages',
  'max_completion_tokens',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
]);
const COMPLETION_FIELDS = new Set([...SHARED_FIELDS, 'prompt', 'echo']);

/** Every top-level field of an OpenAI chat or completions request (what `/invocations` keeps in the input). */
export const LLM_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  ...CHAT_FIELDS,
  ...COMPLETION_FIELDS,
  ...ACCEPTED,
]);

const present = (value: unknown) => value !== undefined && value !== null;

function number(body: Json, key: string, min: number, max: number, integer = false): number | undefined {
  const value = body[key];
  if (!present(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw requestError(key, `'${key}' must be a number from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  if (integer && !Number.isInteger(value))
    throw requestError(key, `'${key}' must be a whole number; got ${value}.`);
  return value;
}

function boolean(body: Json, key: string): boolean | undefined {
  const value = body[key];
  if (!present(value)) return undefined;
  if (typeof value !== 'boolean')
    throw requestError(key, `'${key}' must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}

function object(value: unknown, param: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw requestError(param, `'${param}' must be an object.`);
  return value as Json;
}

/** Text of a message's content: a string, or OpenAI's content parts (text parts only). */
function contentText(content: unknown, param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw requestError(param, `'${param}' must be a string or a list of content parts.`);
  return content
    .map((part, i) => {
      const p = object(part, `${param}[${i}]`);
      if (p.type !== 'text' || typeof p.text !== 'string')
        throw requestError(
          `${param}[${i}]`,
          `Only text content parts are supported ('type': 'text' with a string 'text'); got type ${JSON.stringify(p.type)}.`,
        );
      return p.text;
    })
    .join('');
}

function toolCalls(value: unknown, param: string): ToolCall[] {
  if (!Array.isArray(value)) throw requestError(param, `'${param}' must be a list of tool calls.`);
  return value.map((entry, i) => {
    const call = object(entry, `${param}[${i}]`);
    const fn = object(call.function, `${param}[${i}].function`);
    if (typeof fn.name !== 'string' || typeof fn.arguments !== 'string')
      throw requestError(
        `${param}[${i}].function`,
        'A tool call needs a string name and string (JSON) arguments.',
      );
    return {
      id: typeof call.id === 'string' ? call.id : `call_${i}`,
      type: 'function',
      function: { name: fn.name, arguments: fn.arguments },
    };
  });
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function chatMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0)
    throw requestError('messages', "'messages' must be a non-empty list of {role, content} objects.");
  return value.map((entry, i) => {
    const m = object(entry, `messages[${i}]`);
    if (typeof m.role !== 'string' || !ROLES.has(m.role))
      throw requestError(
        `messages[${i}].role`,
        `messages[${i}].role must be one of ${[...ROLES].join(', ')}; got ${JSON.stringify(m.role)}.`,
      );
    const message: ChatMessage = {
      // OpenAI's newer name for the system role; chat templates know 'system'.
      role: m.role === 'developer' ? 'system' : m.role,
      content: contentText(m.content, `messages[${i}].content`),
    };
    if (typeof m.name === 'string') message.name = m.name;
    if (present(m.tool_calls)) {
      if (m.role !== 'assistant')
        throw requestError(`messages[${i}].tool_calls`, 'Only assistant messages carry tool_calls.');
      message.tool_calls = toolCalls(m.tool_calls, `messages[${i}].tool_calls`);
    } else if (!present(m.content))
      throw requestError(
        `messages[${i}].content`,
        m.role === 'assistant'
          ? 'An assistant message needs content or tool_calls.'
          : `messages[${i}] needs its content.`,
      );
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string')
        throw requestError(
          `messages[${i}].tool_call_id`,
          "A 'tool' message needs the 'tool_call_id' it answers.",
        );
      message.tool_call_id = m.tool_call_id;
    }
    return message;
  });
}

function stopList(value: unknown): string[] {
  if (!present(value)) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 4 || list.some((s) => typeof s !== 'string' || s === ''))
    throw requestError('stop', "'stop' must be a non-empty string or a list of up to 4 non-empty strings.");
  return list as string[];
}

function logitBias(value: unknown): Map<number, number> {
  const bias = new Map<number, number>();
  if (!present(value)) return bias;
  for (const [key, v] of Object.entries(object(value, 'logit_bias'))) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || typeof v !== 'number' || v < -100 || v > 100)
      throw requestError(
        'logit_bias',
        `'logit_bias' maps token ids to numbers from -100 to 100; got ${key}: ${JSON.stringify(v)}.`,
      );
    bias.set(id, v);
  }
  return bias;
}

function responseFormat(value: unknown): ResponseFormat {
  if (!present(value)) return { type: 'text' };
  const format = object(value, 'response_format');
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type !== 'json_schema')
    throw requestError(
      'response_format.type',
      "'response_format.type' must be 'text', 'json_object' or 'json_schema'.",
    );
  const spec = object(format.json_schema, 'response_format.json_schema');
  if (typeof spec.name !== 'string' || !/^[\w-]{1,64}$/.test(spec.name))
    throw requestError(
      'response_format.json_schema.name',
      "'json_schema.name' must be 1 to 64 letters, digits, '_' or '-'.",
    );
  return {
    type: 'json_schema',
    name: spec.name,
    schema: present(spec.schema) ? object(spec.schema, 'response_format.json_schema.schema') : {},
    strict: spec.strict === true,
  };
}

function tools(value: unknown): ToolDefinition[] {
  if (!present(value)) return [];
  if (!Array.isArray(value))
    throw requestError('tools', "'tools' must be a list of {type: 'function', function}.");
  return value.map((entry, i) => {
    const tool = object(entry, `tools[${i}]`);
    if (tool.type !== 'function')
      throw requestError(`tools[${i}].type`, "Only tools of type 'function' are supported.");
    const fn = object(tool.function, `tools[${i}].function`);
    if (typeof fn.name !== 'string' || !/^[\w-]{1,64}$/.test(fn.name))
      throw requestError(`tools[${i}].function.name`, 'A function name is 1 to 64 letters, digits, _ or -.');
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      parameters: present(fn.parameters)
        ? object(fn.parameters, `tools[${i}].function.parameters`)
        : { type: 'object', properties: {} },
      ...(typeof fn.strict === 'boolean' ? { strict: fn.strict } : {}),
    };
  });
}

function toolChoice(value: unknown, defined: ToolDefinition[]): ToolChoice {
  if (!present(value)) return defined.length > 0 ? 'auto' : 'none';
  if (value === 'auto' || value === 'none' || value === 'required') {
    if (value !== 'none' && defined.length === 0)
      throw requestError('tool_choice', `'tool_choice' ${value} needs 'tools'.`);
    return value;
  }
  const choice = object(value, 'tool_choice');
  const name = (choice.function as Json | undefined)?.name;
  if (choice.type !== 'function' || typeof name !== 'string')
    throw requestError(
      'tool_choice',
      "'tool_choice' is 'auto', 'none', 'required' or {type: 'function', function: {name}}.",
    );
  if (!defined.some((t) => t.name === name))
    throw requestError('tool_choice', `'tool_choice' names '${name}', which is not among 'tools'.`);
  return { name };
}

/**
 * Reads an OpenAI-style chat (`kind` 'chat') or completions request: unknown fields are refused as
 * OpenAI refuses them, each known one checked and typed. A request already read is returned as it is.
 */
export function readLlmRequest(kind: 'chat' | 'completions', input: unknown): LlmRequest {
  const value = Array.isArray(input) && input.length === 1 ? input[0] : input;
  if (value && typeof value === 'object' && READ in value) return value as LlmRequest;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw requestError(null, 'This model takes one OpenAI-style request object, e.g. {"messages": [...]}.');
  const body = value as Json;
  const known = kind === 'chat' ? CHAT_FIELDS : COMPLETION_FIELDS;
  for (const key of Object.keys(body)) {
    if (known.has(key) || ACCEPTED.has(key) || !present(body[key])) continue;
    if (key === 'best_of' && body[key] === 1) continue;
    const why = REFUSED[key];
    throw requestError(key, why ? `'${key}': ${why}.` : `Unrecognized request argument supplied: ${key}`);
  }
  const stream = boolean(body, 'stream') ?? false;
  let includeUsage = false;
  if (present(body.stream_options)) {
    if (!stream)
      throw requestError('stream_options', "'stream_options' is only allowed with 'stream': true.");
    includeUsage = boolean(object(body.stream_options, 'stream_options'), 'include_usage') ?? false;
  }
  let prompt = '';
  let messages: ChatMessage[] = [];
  if (kind === 'chat') messages = chatMessages(body.messages);
  else if (typeof body.prompt === 'string') prompt = body.prompt;
  else if (Array.isArray(body.prompt) && body.prompt.length === 1 && typeof body.prompt[0] === 'string')
    prompt = body.prompt[0];
  else throw requestError('prompt', "'prompt' must be a string (or a list of one string).");
  const maxTokens =
    number(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER, true) ??
    number(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  const topLogprobsMax = kind === 'chat' ? 20 : 5;
  let logprobs = false;
  let topLogprobs = 0;
  if (kind === 'chat') {
    logprobs = boolean(body, 'logprobs') ?? false;
    topLogprobs = number(body, 'top_logprobs', 0, topLogprobsMax, true) ?? 0;
    if (present(body.top_logprobs) && !logprobs)
      throw requestError('top_logprobs', "'top_logprobs' needs 'logprobs': true.");
  } else if (present(body.logprobs)) {
    topLogprobs = number(body, 'logprobs', 0, topLogprobsMax, true)!;
    logprobs = true;
  }
  const defined = kind === 'chat' ? tools(body.tools) : [];
  const request: LlmRequest = {
    kind,
    messages,
    prompt,
    presencePenalty: number(body, 'presence_penalty', -2, 2) ?? 0,
    frequencyPenalty: number(body, 'frequency_penalty', -2, 2) ?? 0,
    stop: stopList(body.stop),
    n: number(body, 'n', 1, 128, true) ?? 1,
    echo: kind === 'completions' && (boolean(body, 'echo') ?? false),
    logprobs,
    topLogprobs,
    logitBias: logitBias(body.logit_bias),
    responseFormat: kind === 'chat' ? responseFormat(body.response_format) : { type: 'text' },
    tools: defined,
    toolChoice: kind === 'chat' ? toolChoice(body.tool_choice, defined) : 'none',
    parallelToolCalls: kind === 'chat' ? (boolean(body, 'parallel_tool_calls') ?? true) : false,
    stream,
    includeUsage,
  };
  const optional = {
    maxTokens,
    temperature: number(body, 'temperature', 0, 2),
    topP: number(body, 'top_p', 0, 1),
    topK: number(body, 'top_k', 0, Number.MAX_SAFE_INTEGER, true),
    seed: number(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
    model: typeof body.model === 'string' ? body.model : undefined,
  };
  for (const [key, v] of Object.entries(optional)) if (v !== undefined) (request as unknown as Json)[key] = v;
  if (present(body.model) && typeof body.model !== 'string')
    throw requestError('model', "'model' must be a string.");
  Object.defineProperty(request, READ, { value: true });
  return request;
}
