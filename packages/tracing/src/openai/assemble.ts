// Streamed OpenAI answers come as chunks; the span's outputs are the answer they add up to, in the
// shape of the non-streamed response, so a streamed and a plain call read the same in a trace.

/** OpenAI's usage block (chat, completions and embeddings). */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

/** MLflow's `mlflow.chat.tokenUsage` value. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cache_read_input_tokens?: number;
}

/** OpenAI's usage as MLflow's token usage, or `undefined` when there is none. */
export function tokenUsage(usage: OpenAIUsage | null | undefined): TokenUsage | undefined {
  if (usage === null || usage === undefined || typeof usage !== 'object') return undefined;
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  const result: TokenUsage = {
    input_tokens: input,
    output_tokens: output,
    total_tokens: usage.total_tokens ?? input + output,
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number' && cached > 0) result.cache_read_input_tokens = cached;
  return result;
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface ChunkChoice {
  index?: number;
  delta?: { role?: string; content?: string | null; refusal?: string | null; tool_calls?: ToolCallDelta[] };
  text?: string;
  finish_reason?: string | null;
  logprobs?: unknown;
}

/** A streamed chunk of a chat completion or a completion. */
export interface StreamChunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string | null;
  choices?: ChunkChoice[];
  usage?: OpenAIUsage | null;
}

interface AssembledChoice {
  role: string;
  content: string;
  refusal: string;
  toolCalls: Map<number, { id?: string; type: string; name: string; arguments: string }>;
  finishReason: string | null;
}

/** Adds up the chunks of a streamed chat completion (`chat`) or completion (`text`). */
export class StreamAssembler {
  readonly #kind: 'chat' | 'text';
  readonly #choices = new Map<number, AssembledChoice>();
  #head: StreamChunk = {};
  #usage: OpenAIUsage | undefined;

  constructor(kind: 'chat' | 'text') {
    this.#kind = kind;
  }

  /** The usage reported by the stream's final chunk (with `stream_options.include_usage`), if any. */
  get usage(): OpenAIUsage | undefined {
    return this.#usage;
  }

  add(chunk: StreamChunk): void {
    if (chunk === null || typeof chunk !== 'object') return;
    if (this.#head.id === undefined && chunk.id !== undefined) this.#head = chunk;
    if (chunk.usage) this.#usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      let into = this.#choices.get(index);
      if (into === undefined) {
        into = { role: 'assistant', content: '', refusal: '', toolCalls: new Map(), finishReason: null };
        this.#choices.set(index, into);
      }
      if (choice.finish_reason) into.finishReason = choice.finish_reason;
      if (this.#kind === 'text') {
        into.content += choice.text ?? '';
        continue;
      }
      const delta = choice.delta ?? {};
      if (delta.role) into.role = delta.role;
      into.content += delta.content ?? '';
      into.refusal += delta.refusal ?? '';
      for (const call of delta.tool_calls ?? []) {
        const at = call.index ?? into.toolCalls.size;
        const known = into.toolCalls.get(at) ?? { type: 'function', name: '', arguments: '' };
        if (call.id) known.id = call.id;
        if (call.type) known.type = call.type;
        known.name += call.function?.name ?? '';
        known.arguments += call.function?.arguments ?? '';
        into.toolCalls.set(at, known);
      }
    }
  }

  /** The answer so far, shaped as the non-streamed response (`chat.completion` or `text_completion`). */
  result(): Record<string, unknown> {
    const choices = [...this.#choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => (this.#kind === 'text' ? textChoice(index, c) : chatChoice(index, c)));
    const out: Record<string, unknown> = {
      id: this.#head.id,
      object: this.#kind === 'chat' ? 'chat.completion' : 'text_completion',
      created: this.#head.created,
      model: this.#head.model,
      choices,
    };
    if (this.#head.system_fingerprint) out.system_fingerprint = this.#head.system_fingerprint;
    if (this.#usage) out.usage = this.#usage;
    return out;
  }
}

function textChoice(index: number, c: AssembledChoice): Record<string, unknown> {
  return { index, text: c.content, finish_reason: c.finishReason };
}

function chatChoice(index: number, c: AssembledChoice): Record<string, unknown> {
  const content = c.content === '' && c.toolCalls.size > 0 ? null : c.content;
  const message: Record<string, unknown> = { role: c.role, content };
  if (c.refusal !== '') message.refusal = c.refusal;
  if (c.toolCalls.size > 0) {
    message.tool_calls = [...c.toolCalls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({
        id: call.id,
        type: call.type,
        function: { name: call.name, arguments: call.arguments },
      }));
  }
  return { index, message, finish_reason: c.finishReason };
}
