import type { Generated, ChatMessage as Message } from '../../llm.js';

type Json = Record<string, unknown>;

/** The parts of a transformers.js text-generation pipeline this flavor uses. */
export interface GenerationPipeline {
  (input: string | Message[], options: Json): Promise<Array<{ generated_text: string | Message[] }>>;
  tokenizer: {
    (text: string, options?: Json): { input_ids: { dims: number[] } };
    apply_chat_template(messages: Message[], options: Json): number[] | { input_ids: number[] };
  };
  model: { generation_config?: { eos_token_id?: number | number[] } };
}

/** What generation needs from transformers.js: the streamer class that reports text and token ids. */
export type StreamerClass = new (tokenizer: GenerationPipeline['tokenizer'], options: Json) => unknown;

/** How many tokens `input` is once encoded as the pipeline encodes it (a chat through its template). */
function countPromptTokens(pipe: GenerationPipeline, input: string | Message[]): number {
  if (typeof input === 'string') return pipe.tokenizer(input).input_ids.dims.at(-1)!;
  const encoded = pipe.tokenizer.apply_chat_template(input, {
    tokenize: true,
    add_generation_prompt: true,
    return_tensor: false,
    return_dict: false,
  });
  return Array.isArray(encoded) ? encoded.length : encoded.input_ids.length;
}

/**
 * Generates one answer with the pipeline: text pieces go to `onText` as the streamer decodes them. Once
 * `signal` aborts (a stop sequence, a reader that left, a cancel from the main thread), a stopping
 * criterion ends generation after the current token, and the answer is what was made until then.
 */
export async function generateText(
  pipe: GenerationPipeline,
  Streamer: StreamerClass,
  input: string | Message[],
  options: Json,
  onText?: (text: string, tokens: number) => void,
  signal?: AbortSignal,
): Promise<Generated> {
  const eos = pipe.model.generation_config?.eos_token_id;
  const eosIds = new Set(Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]);
  const ids: number[] = [];
  const streamer = new Streamer(pipe.tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    // With the tokens made so far, so a reader that stops at this piece can count only what it kept.
    callback_function: (text: string) => onText?.(text, ids.length),
    token_callback_function: (tokens: Array<number | bigint>) => {
      for (const t of tokens) ids.push(Number(t));
    },
  });
  const promptTokens = countPromptTokens(pipe, input);
  const stoppingCriteria = [(inputIds: unknown[]) => inputIds.map(() => signal?.aborted ?? false)];
  const [output] = await pipe(input, {
    ...options,
    return_full_text: false,
    streamer,
    stopping_criteria: stoppingCriteria,
  });
  const generated = output?.generated_text;
  const text = Array.isArray(generated) ? (generated.at(-1)?.content ?? '') : (generated ?? '');
  const stopped = ids.length > 0 && eosIds.has(ids.at(-1)!);
  return {
    text: text.trim(),
    promptTokens,
    completionTokens: ids.length,
    finishReason: stopped || ids.length < Number(options.max_new_tokens) ? 'stop' : 'length',
  };
}
