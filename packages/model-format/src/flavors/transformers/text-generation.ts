import { MlflowError } from '@flowline/core';
import type { Predictor } from '../../flavor.js';
import { type Generated, type ChatMessage as Message, streamed } from '../../llm.js';
import { generatingPredictor } from '../../llm-predictor.js';
import type { LlmRequest } from '../../llm-request.js';

type Json = Record<string, unknown>;

/**
 * Generates one answer: text pieces go to `onText`; once `signal` aborts it stops at the next token and
 * resolves with what it made (a request still waiting for the model rejects with the signal's reason).
 */
export type GenerateText = (
  input: string | Message[],
  options: Json,
  onText?: (text: string) => void,
  signal?: AbortSignal,
) => Promise<Generated>;

/** The generation options a request may override, with their MLflow param types. */
export const GENERATION_PARAMS = [
  ['max_new_tokens', 'long', 64],
  ['temperature', 'double', 1],
  ['do_sample', 'boolean', false],
  ['top_k', 'long', 50],
  ['top_p', 'double', 1],
  ['repetition_penalty', 'double', 1],
] as const;

function invalid(message: string): MlflowError {
  return MlflowError.invalidParameterValue(message);
}

/** A request's OpenAI fields as transformers.js generation options (temperature 0 means greedy). */
function openAiOptions(request: LlmRequest): Json {
  const options: Json = {};
  if (request.maxTokens !== undefined) options.max_new_tokens = request.maxTokens;
  if (request.temperature !== undefined) {
    if (request.temperature === 0) options.do_sample = false;
    else Object.assign(options, { do_sample: true, temperature: request.temperature });
  }
  if (request.topP !== undefined) options.top_p = request.topP;
  if (request.topK !== undefined) options.top_k = request.topK;
  return options;
}

/** Texts for a pipeline: a string, a list of strings, or rows whose first column is the text. */
export function textList(input: unknown, noun: 'text' | 'prompts'): string[] {
  const values =
    typeof input === 'string'
      ? [input]
      : Array.isArray(input)
        ? input.map((row) =>
            row && typeof row === 'object' && !Array.isArray(row) ? Object.values(row)[0] : row,
          )
        : null;
  if (!values || values.length === 0 || !values.every((v) => typeof v === 'string'))
    throw invalid(`This model takes ${noun}: a string, a list of strings, or rows with one text column.`);
  return values as string[];
}

/**
 * A predictor over a transformers.js text-generation pipeline, which `generate` runs (in the flavor, on
 * its worker thread). Plain `text-generation` maps prompts to generated text; `llm/v1/chat` and `llm/v1/completions` take and return MLflow's OpenAI-style schemas
 * with `usage`, and stream (`predictStream`) text as it is generated. Saved `model_config` gives the
 * default generation options; params, then the request's own fields, override them. An aborted
 * `signal` (the third argument of `predict` / `predictStream`) stops generation at the next token and
 * rejects with its reason.
 */
export function textGenerationPredictor(
  generate: GenerateText,
  inferenceTask: string | undefined,
  modelConfig: Json,
): Predictor {
  const defaults: Json = Object.fromEntries(
    GENERATION_PARAMS.map(([name, , fallback]) => [name, modelConfig[name] ?? fallback]),
  );
  // transformers.js samples with Math.random (no seed) and has no logprobs or constrained decoding: those
  // requests are refused by name (generatingPredictor), n choices run one after another on the worker.
  if (inferenceTask === 'llm/v1/chat' || inferenceTask === 'llm/v1/completions')
    return generatingPredictor(
      inferenceTask === 'llm/v1/chat' ? 'chat' : 'completions',
      (request, params) => {
        const options = { ...defaults, ...params, ...openAiOptions(request) };
        const prompt = request.kind === 'chat' ? request.messages : request.prompt;
        return (_choice, onText, signal) => generate(prompt, options, onText, signal);
      },
    );
  return {
    async predict(input, params, call) {
      const options = { ...defaults, ...params };
      const signal = call?.signal;
      const results: string[] = [];
      for (const text of textList(input, 'prompts')) {
        // A cancelled prediction stops at the next token and answers nothing, as llm.ts does.
        signal?.throwIfAborted();
        results.push((await generate(text, options, undefined, signal)).text);
      }
      signal?.throwIfAborted();
      return results;
    },
    async *predictStream(input, params, call) {
      const [text, ...rest] = textList(input, 'prompts');
      if (rest.length > 0) throw invalid('Streaming takes one prompt at a time.');
      yield* streamed(
        (onText, signal) => generate(text!, { ...defaults, ...params }, onText, signal),
        call?.signal,
      );
    },
  };
}
