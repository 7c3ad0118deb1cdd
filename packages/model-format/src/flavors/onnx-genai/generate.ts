import type { Generated } from '../../llm.js';
import { importOnnxGenai, invalid, type OnnxGenaiSession } from './session.js';

type GenaiParams = import('@flowline/onnx-genai').GeneratorParams;
type GenaiGenerator = import('@flowline/onnx-genai').Generator;

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
  const eos = new Set(model.config.model.eos_token_id);
  const stream = tokenizer.createStream();
  const ids: number[] = [];
  let text = '';
  let stopped = false;
  const emit = (piece: string) => {
    text += piece;
    if (piece) onText?.(piece);
  };
  while (!generator.isDone() && ids.length < maxNewTokens) {
    await generator.generateNextToken();
    const token = generator.getNextTokens()[0]!;
    ids.push(token);
    onToken?.(ids.length);
    if (eos.has(token)) {
      stopped = true;
      break;
    }
    emit(stream.decode(token));
    // A stop sequence was seen (see llm.ts): end here, as an eos would.
    if (signal?.aborted) {
      stopped = true;
      break;
    }
  }
  // The stream holds back an unfinished multi-byte character; whatever the whole decode adds is the rest.
  const full = tokenizer.decode(ids.filter((id) => !eos.has(id)));
  if (full.length > text.length && full.startsWith(text)) emit(full.slice(text.length));
  return {
    text,
    ids,
    promptTokens,
    completionTokens: ids.length,
    finishReason: stopped ? 'stop' : 'length',
  };
}

/**
 * Flowline's default KV cache for served and CLI generation: growing, whatever genai_config says.
 * onnxruntime-node copies every fetched output back to JavaScript, so Phi-3's shared `max_length` buffer
 * (its config turns it on, at 4096) would cost a copy of the whole buffer per token. A `model_config`
 * with `past_present_share_buffer: true` still gets it.
 */
export const GROWING_CACHE: Readonly<Record<string, boolean>> = { past_present_share_buffer: false };
