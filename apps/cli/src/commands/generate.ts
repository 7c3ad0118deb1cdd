import { MlflowError } from '@flowline/core';
import type { ChatMessage, Generated, OnnxGenaiSession, OpenedOnnxGenai } from '@flowline/model-format';
import type { GeneratorParams } from '@flowline/onnx-genai';
import type { Command } from 'commander';
import { numberBetween, wholeNumber } from '../arguments.js';
import { openModelContext } from '../model-context.js';
import { generationProgress } from '../progress.js';
import type { GlobalOptions } from './globals.js';

/** The generation options `generate` and `chat` share. */
export interface GenerationOptions {
  model: string;
  maxLength?: number;
  maxNewTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  doSample?: boolean;
  seed?: number;
  system?: string;
  chatTemplate: boolean;
}

/** A loaded model with the search defaults of the Flowline model it came from (its `model_config`). */
type Loaded = OpenedOnnxGenai;

/**
 * Loads an ONNX Runtime GenAI folder, a Flowline model folder with the onnx_genai flavor, or such a
 * model by URI (`runs:/`, `models:/`, an artifact URI; downloaded first).
 */
export async function loadGenerator(uri: string, g: GlobalOptions): Promise<Loaded> {
  const { context, close } = await openModelContext(uri, g);
  try {
    const { openOnnxGenai } = await import('@flowline/model-format');
    return await openOnnxGenai(uri, context);
  } finally {
    await close();
  }
}

/** The prompt's token ids: the conversation through the chat template, or the raw text. */
export function promptIds(
  session: OnnxGenaiSession,
  messages: ChatMessage[],
  chatTemplate: boolean,
): number[] {
  const { tokenizer } = session;
  if (!chatTemplate) return tokenizer.encode(messages.map((m) => m.content).join('\n'));
  try {
    return tokenizer.encode(tokenizer.applyChatTemplate(messages));
  } catch (error) {
    throw MlflowError.invalidParameterValue(
      `The chat template failed: ${(error as Error).message} (use --no-chat-template for raw text).`,
      { cause: error },
    );
  }
}

/** The search options of the command line over the model's defaults; `maxLength` caps prompt plus answer. */
export async function generatorParams(
  loaded: Loaded,
  options: GenerationOptions,
  maxLength: number,
): Promise<GeneratorParams> {
  const search: Record<string, unknown> = { ...loaded.defaults };
  if (options.temperature !== undefined) search.temperature = options.temperature;
  if (options.topK !== undefined) search.top_k = options.topK;
  if (options.topP !== undefined) search.top_p = options.topP;
  if (options.doSample) search.do_sample = true;
  if (options.seed !== undefined) search.random_seed = options.seed;
  const { GeneratorParams } = await import('@flowline/onnx-genai');
  const params = new GeneratorParams(loaded.session.model);
  try {
    params.setSearchOptions({ ...search, max_length: maxLength });
  } catch (error) {
    throw MlflowError.invalidParameterValue(`Invalid generation options: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return params;
}

/** The max_length the options and the model allow: --max-length, then model_config, then genai_config; at most the context. */
export function maxLengthOf(loaded: Loaded, options: GenerationOptions): number {
  const { config } = loaded.session.model;
  const configured = options.maxLength ?? Number(loaded.defaults.max_length ?? config.search.max_length);
  return Math.min(configured, config.model.context_length);
}

/** One generation printed as it streams; returns what the --json summary reports. */
async function run(
  loaded: Loaded,
  options: GenerationOptions,
  messages: ChatMessage[],
  onText: (text: string) => void,
  progressShown = false,
) {
  const { session } = loaded;
  const ids = promptIds(session, messages, options.chatTemplate);
  let maxLength = maxLengthOf(loaded, options);
  if (options.maxNewTokens !== undefined) maxLength = Math.min(maxLength, ids.length + options.maxNewTokens);
  if (ids.length >= maxLength)
    throw MlflowError.invalidParameterValue(
      `The prompt is ${ids.length} tokens, which leaves no room under max_length ${maxLength} ` +
        `(prompt plus answer, at most the context length ${session.model.config.model.context_length}); use --max-length or a shorter prompt.`,
    );
  const params = await generatorParams(loaded, options, maxLength);
  const progress = generationProgress(maxLength - ids.length, progressShown);
  const { generateText } = await import('@flowline/model-format');
  try {
    return await summarize(() => generateText(session, params, ids, { onText, onToken: progress.update }));
  } finally {
    progress.stop();
  }
}

/** What the --json summary of one generation reports. */
export interface Summary {
  text: string;
  tokens: number;
  prompt_tokens: number;
  reused_tokens?: number;
  finish_reason: Generated['finishReason'];
  seconds: number;
  tokens_per_second: number;
}

/** Times a generation and shapes what the --json summary reports. */
export async function summarize(
  generation: () => Promise<Generated & { reusedTokens?: number }>,
): Promise<Summary> {
  const started = performance.now();
  const result = await generation();
  const seconds = (performance.now() - started) / 1000;
  return {
    text: result.text,
    tokens: result.completionTokens,
    prompt_tokens: result.promptTokens,
    // chat: prompt tokens the generator already held from earlier turns (not run again).
    ...(result.reusedTokens !== undefined ? { reused_tokens: result.reusedTokens } : {}),
    finish_reason: result.finishReason,
    seconds: Number(seconds.toFixed(3)),
    tokens_per_second: seconds > 0 ? Number((result.completionTokens / seconds).toFixed(2)) : 0,
  };
}

/** The speed line `generate` and `chat` write to stderr after an answer. */
export function stats(summary: { tokens: number; seconds: number; tokens_per_second: number }): string {
  return `${summary.tokens} tokens in ${summary.seconds.toFixed(2)} s (${summary.tokens_per_second.toFixed(1)} tokens/s)\n`;
}

/** Adds the options `generate` and `chat` share. */
export function generationOptions(command: Command): Command {
  return command
    .requiredOption(
      '-m, --model <folder|uri>',
      'an ONNX Runtime GenAI folder (genai_config.json), or a Flowline model: a folder, runs:/…, models:/…',
    )
    .option(
      '--max-length <n>',
      'prompt plus answer, in tokens (default: the model’s search.max_length)',
      wholeNumber('max-length'),
    )
    .option('--max-new-tokens <n>', 'answer tokens at most', wholeNumber('max-new-tokens'))
    .option(
      '--temperature <t>',
      'sampling temperature (only with --do-sample)',
      numberBetween('temperature', 0, 100),
    )
    .option('--top-k <k>', 'sample from the k most likely tokens (0: all)', wholeNumber('top-k', 0))
    .option(
      '--top-p <p>',
      'sample from the most likely tokens holding probability p',
      numberBetween('top-p', 0, 1),
    )
    .option('--do-sample', 'sample instead of greedy decoding')
    .option('--seed <n>', 'random seed for sampling (-1: from the OS)', wholeNumber('seed', -1))
    .option('--system <text>', 'a system message before the conversation')
    .option('--no-chat-template', 'send the prompt as raw text, without the tokenizer’s chat template');
}

/** The conversation's start: the --system message, if any (it needs the chat template). */
export function conversation(options: GenerationOptions): ChatMessage[] {
  if (options.system !== undefined && !options.chatTemplate)
    throw MlflowError.invalidParameterValue(
      '--system needs the chat template; leave out --no-chat-template.',
    );
  return options.system === undefined ? [] : [{ role: 'system', content: options.system }];
}

/** `flowline generate`: text generation with an ONNX Runtime GenAI model (`chat` is in chat.ts). */
export function registerGenerate(program: Command): void {
  generationOptions(
    program
      .command('generate')
      .description(
        'Generate text with an ONNX Runtime GenAI model, streamed to stdout; the speed goes to stderr.',
      ),
  )
    .requiredOption('-p, --prompt <text>', 'the prompt (a user message, unless --no-chat-template)')
    .action(async (options: GenerationOptions & { prompt: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const messages = [...conversation(options), { role: 'user', content: options.prompt }];
      const loaded = await loadGenerator(options.model, g);
      try {
        // A progress bar on stderr when the text is not being watched on this terminal (stdout redirected,
        // or --json), and stderr is one.
        const showProgress = process.stderr.isTTY === true && (g.json === true || !process.stdout.isTTY);
        const summary = await run(
          loaded,
          options,
          messages,
          (text) => {
            if (!g.json) process.stdout.write(text);
          },
          showProgress,
        );
        if (g.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else {
          process.stdout.write('\n');
          process.stderr.write(stats(summary));
        }
      } finally {
        await loaded.close();
      }
    });
}
