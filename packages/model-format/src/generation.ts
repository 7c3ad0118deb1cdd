import type { AnswerOptions } from './flavors/onnx-genai/generate.js';
import type { OpenedOnnxGenai } from './flavors/onnx-genai/open.js';
import type { OnnxGenaiSession } from './flavors/onnx-genai/session.js';
import type { Generated } from './llm.js';
import type { LoadModelContext } from './model-folder.js';

// Thin doors into the onnx_genai flavor, so its module loads only when generation is asked for.

type GenaiParams = import('@flowline/onnx-genai').GeneratorParams;
type GenaiGenerator = import('@flowline/onnx-genai').Generator;

/** Opens an ONNX Runtime GenAI folder, or a model with the `onnx_genai` flavor by folder or URI, to generate with. */
export async function openOnnxGenai(uri: string, context?: LoadModelContext): Promise<OpenedOnnxGenai> {
  return (await import('./flavors/onnx-genai/open.js')).openOnnxGenai(uri, context);
}

/** One generation of `promptIds`: each new piece of text goes to `onText` as its token arrives. */
export async function generateText(
  session: OnnxGenaiSession,
  params: GenaiParams,
  promptIds: number[],
  options?: AnswerOptions,
): Promise<Generated & { ids: number[] }> {
  return (await import('./flavors/onnx-genai/generate.js')).generateText(session, params, promptIds, options);
}

/**
 * The next answer of a conversation on a generator that keeps its KV cache between turns: only the part
 * of `promptIds` the generator does not already hold is run (ONNX Runtime GenAI's continuous decoding).
 */
export async function continueText(
  session: OnnxGenaiSession,
  generator: GenaiGenerator,
  promptIds: number[],
  options?: AnswerOptions,
): Promise<Generated & { ids: number[]; reusedTokens: number }> {
  return (await import('./flavors/onnx-genai/generate.js')).continueText(
    session,
    generator,
    promptIds,
    options,
  );
}
