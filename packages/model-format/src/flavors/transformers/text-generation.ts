import { MlflowError } from '@flowline/core';
import type { Predictor } from '../../flavor.js';
import {
  type Generated,
  LLM_TEXT_TASKS,
  llmPredictor,
  type ChatMessage as Message,
  streamed,
} from '../../llm.js';

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

/** OpenAI request fields as transformers.js generation options (temperature 0 means greedy). */
function openAiOptions(request: Json): Json {
  const options: Json = {};
  if (request.max_tokens !== undefined && request.max_tokens !== null)
    options.max_new_tokens = request.max_tokens;
  if (typeof request.temperature === 'number') {
    if (request.temperature === 0) options.do_sample = false;
    else Object.assign(options, { do_sample: true, temperature: request.temperature });
  }
  if (typeof request.top_p === 'number') options.top_p = request.top_p;
  if (typeof request.top_k === 'number') options.top_k = request.top_k;
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
  const optionsFor = (request: Json, params?: Json) => ({
    ...defaults,
    ...params,
    ...openAiOptions(request),
  });
  if (inferenceTask === 'llm/v1/chat' || inferenceTask === 'llm/v1/completions')
    return llmPredictor(LLM_TEXT_TASKS[inferenceTask], (prompt, request, params) => {
      const options = optionsFor(request, params);
      return (onText, signal) => generate(prompt, options, onText, signal);
    });
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
