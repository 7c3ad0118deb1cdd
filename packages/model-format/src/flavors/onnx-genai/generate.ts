import type { Generated } from '../../llm.js';
import { importOnnxGenai, invalid, type OnnxGenaiSession } from './session.js';

type GenaiParams = import('@flowline/onnx-genai').GeneratorParams;
type GenaiGenerator = import('@flowline/onnx-genai').Generator;
type GenaiTokenizer = import('@flowline/onnx-genai').Tokenizer;

/** How one answer is streamed: text pieces to `onText`; it ends at eos, `maxNewTokens`, or when `signal` aborts. */
export interface AnswerOptions {
  onText?: (text: string) => void;
  /** Called after each generated token with the count so far (progress bars). */
  onToken?: (count: number) => void;
  signal?: AbortSignal;
  maxNewTokens?: number;
}

/** One generation of `promptIds`: each new piece of text goes to `onText` as its token arrives. */
export async function generateText(
  session: OnnxGenaiSession,
  params: GenaiParams,
  promptIds: number[],
  onText?: ((text: string) => void) | AnswerOptions,
  signal?: AbortSignal,
): Promise<Generated & { ids: number[] }> {
  const { Generator } = await importOnnxGenai();
  const generator = new Generator(session.model, params);
  generator.appendTokens(promptIds);
  const options = typeof onText === 'object' ? onText : { onText, signal };
  return answer(session, generator, promptIds.length, options);
}

/**
 * The next answer of a conversation on a generator that keeps its KV cache between turns (ONNX Runtime
 * GenAI's continuous decoding): `promptIds` is the whole conversation so far; the generator goes back to
 * the longest prefix it already holds and runs only the rest, so each turn costs its new tokens, not
 * the whole history again.
 */
export async function continueText(
  session: OnnxGenaiSession,
  generator: GenaiGenerator,
  promptIds: number[],
  options: AnswerOptions = {},
): Promise<Generated & { ids: number[]; reusedTokens: number }> {
  const held = generator.getSequences()[0] ?? [];
  let common = 0;
  while (common < held.length && common < promptIds.length && held[common] === promptIds[common]) common++;
  // The last prompt token is always fed again, so its logits start the answer.
  common = Math.min(common, promptIds.length - 1);
  if (common < held.length) generator.rewindTo(common);
  try {
    generator.appendTokens(promptIds.slice(common));
  } catch (error) {
    throw invalid(
      `The conversation is ${promptIds.length} tokens, past this chat's max_length; start a new chat or raise max_length.`,
      error,
    );
  }
  const result = await answer(session, generator, promptIds.length, options);
  return { ...result, reusedTokens: common };
}

/** Runs `generator` (holding the prompt) to the end of one answer, streaming its text. */
async function answer(
  { model, tokenizer }: OnnxGenaiSession,
  generator: GenaiGenerator,
  promptTokens: number,
  { onText, onToken, signal, maxNewTokens = Number.POSITIVE_INFINITY }: AnswerOptions,
): Promise<Generated & { ids: number[] }> {
  const text = answerText(tokenizer, model.config.model.eos_token_id, onText);
  let stopped = false;
  while (!generator.isDone() && text.ids.length < maxNewTokens) {
    await generator.generateNextToken();
    const more = text.add(generator.getNextTokens()[0]!);
    onToken?.(text.ids.length);
    // An eos, or a stop sequence seen (see llm.ts): end here.
    if (!more || signal?.aborted) {
      stopped = true;
      break;
    }
  }
  return { ...text.finish(), promptTokens, finishReason: stopped ? 'stop' : 'length' };
}

/** Generated token ids turned into text as they come, each new piece given to `onText`. */
export interface AnswerText {
  /** Every token added (a final eos included). */
  readonly ids: number[];
  /** Adds the next token; false when it is an eos (the answer ends). */
  add(token: number): boolean;
  /** The whole text (with whatever the stream held back), the ids and their count. */
  finish(): { text: string; ids: number[]; completionTokens: number };
}

/** Streams an answer's text token by token, holding back unfinished multi-byte characters. */
export function answerText(
  tokenizer: GenaiTokenizer,
  eosIds: readonly number[],
  onText?: (text: string) => void,
): AnswerText {
  const eos = new Set(eosIds);
  const stream = tokenizer.createStream();
  const ids: number[] = [];
  let text = '';
  const emit = (piece: string) => {
    text += piece;
    if (piece) onText?.(piece);
  };
  return {
    ids,
    add(token) {
      ids.push(token);
      if (eos.has(token)) return false;
      emit(stream.decode(token));
      return true;
    },
    finish() {
      // The stream holds back an unfinished multi-byte character; whatever the whole decode adds is the rest.
      const full = tokenizer.decode(ids.filter((id) => !eos.has(id)));
      if (full.length > text.length && full.startsWith(text)) emit(full.slice(text.length));
      return { text, ids, completionTokens: ids.length };
    },
  };
}

/**
 * Flowline's default KV cache for served and CLI generation: growing, whatever genai_config says.
 * onnxruntime-node copies every fetched output back to JavaScript, so Phi-3's shared `max_length` buffer
 * (its config turns it on, at 4096) would cost a copy of the whole buffer per token. A `model_config`
 * with `past_present_share_buffer: true` still gets it.
 */
export const GROWING_CACHE: Readonly<Record<string, boolean>> = { past_present_share_buffer: false };
