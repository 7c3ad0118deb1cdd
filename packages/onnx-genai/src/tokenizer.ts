import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';

/** A chat message as chat templates take it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** Options of `Tokenizer.applyChatTemplate`. */
export interface ChatTemplateOptions {
  /** Append the assistant's turn header, so the model answers next (default true). */
  addGenerationPrompt?: boolean;
  /** A template to use instead of the tokenizer's own `chat_template`. */
  template?: string;
  /** Tools the template may render (OpenAI's `tools`), or their JSON. */
  tools?: ChatTool[] | string;
}

type TokenizerConfig = Record<string, unknown> & { chat_template?: unknown };

/** What `new Tokenizer(model)` needs of a model: its folder and `tokenizer_dir` (a `Model` has both). */
export interface TokenizerSource {
  dir: string;
  config: { model: { tokenizer_dir?: string } };
}

/** A tool as chat templates take it (OpenAI's `tools` entries). */
export type ChatTool = Record<string, unknown>;

function isTokenizerSource(value: object): value is TokenizerSource {
  const source = value as Partial<TokenizerSource>;
  return typeof source.dir === 'string' && typeof source.config?.model === 'object';
}

function parseJson<T>(text: string | undefined, what: string): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new Error(`${what} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return undefined;
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A model's tokenizer, from `tokenizer.json` and `tokenizer_config.json` (as ONNX Runtime GenAI model
 * folders and Hugging Face repositories ship them). Encoding and decoding are `@huggingface/tokenizers`;
 * chat templates are rendered with `@huggingface/jinja`.
 */
export class Tokenizer {
  readonly #tokenizer: HfTokenizer;
  readonly #config: TokenizerConfig;
  readonly #templates = new Map<string, Template>();

  /**
   * `new Tokenizer(model)`, as ONNX Runtime GenAI's `og.Tokenizer(model)`: reads `tokenizer.json` and
   * `tokenizer_config.json` from the model's folder (its `tokenizer_dir`), synchronously.
   * `new Tokenizer(tokenizerJson, tokenizerConfig)` takes the parsed files instead.
   */
  constructor(model: TokenizerSource);
  constructor(tokenizerJson: object, tokenizerConfig?: object);
  constructor(source: object, tokenizerConfig: object = {}) {
    let json = source;
    let config = tokenizerConfig;
    if (isTokenizerSource(source)) {
      const dir = join(source.dir, source.config.model.tokenizer_dir ?? '');
      let text: string;
      try {
        text = readFileSync(join(dir, 'tokenizer.json'), 'utf8');
      } catch (cause) {
        throw new Error(`No tokenizer.json in ${dir}; the model folder needs its tokenizer files.`, {
          cause,
        });
      }
      json = parseJson<object>(text, `tokenizer.json in ${dir}`)!;
      config =
        parseJson<object>(readOptional(join(dir, 'tokenizer_config.json')), 'tokenizer_config.json') ?? {};
    }
    this.#tokenizer = new HfTokenizer(json, config);
    this.#config = config as TokenizerConfig;
  }

  /** Reads `tokenizer.json` and (if present) `tokenizer_config.json` from a model folder. */
  static async fromFolder(dir: string): Promise<Tokenizer> {
    const json = await readFile(join(dir, 'tokenizer.json'), 'utf8').catch((cause: unknown) => {
      throw new Error(`No tokenizer.json in ${dir}; the model folder needs its tokenizer files.`, { cause });
    });
    const config = await readFile(join(dir, 'tokenizer_config.json'), 'utf8').catch(() => '{}');
    return new Tokenizer(JSON.parse(json), JSON.parse(config));
  }

  /**
   * Token ids of `text`. As ONNX Runtime GenAI (0.8 and later), no special tokens are added unless
   * `addSpecialTokens` is true (then the tokenizer's post-processor adds its bos, …): a chat template
   * already writes its `{{ bos_token }}`, so the prompt gets exactly one.
   */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids;
  }

  /** Token ids of several texts, one unpadded list each (`Generator.appendTokens` pads a batch itself). */
  encodeBatch(texts: string[], options: { addSpecialTokens?: boolean } = {}): number[][] {
    return texts.map((text) => this.encode(text, options));
  }

  /** The text of each row, as ONNX Runtime GenAI's `decode_batch`; pads and other special tokens are skipped. */
  decodeBatch(
    rows: ArrayLike<ArrayLike<number | bigint>>,
    options: { skipSpecialTokens?: boolean } = {},
  ): string[] {
    return Array.from(rows, (row) => this.decode(row, options));
  }

  /** Text of `ids`, without special tokens unless `skipSpecialTokens` is false. */
  decode(ids: ArrayLike<number | bigint>, options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return '';
    return this.#tokenizer.decode(Array.from(ids, Number), {
      skip_special_tokens: options.skipSpecialTokens ?? true,
    });
  }

  /** The id of a token (e.g. `<|end|>`), or undefined when the vocabulary lacks it. */
  tokenToId(token: string): number | undefined {
    const ids = this.#tokenizer.encode(token, { add_special_tokens: false }).ids;
    return ids.length === 1 && this.decode(ids, { skipSpecialTokens: false }) === token ? ids[0] : undefined;
  }

  /** The tokenizer config's special tokens, as text. */
  get specialTokens(): { bos?: string; eos?: string; pad?: string; unk?: string } {
    return {
      bos: tokenText(this.#config.bos_token),
      eos: tokenText(this.#config.eos_token),
      pad: tokenText(this.#config.pad_token),
      unk: tokenText(this.#config.unk_token),
    };
  }

  /**
   * Renders a conversation with a chat template, ready to `encode`. Two forms:
   * - ONNX Runtime GenAI's argument order: `applyChatTemplate(template, messages, tools?, addGenerationPrompt = true)`,
   *   where `template` null/undefined/'' means the tokenizer's own, and `messages` and `tools` may be
   *   JSON strings (as ONNX Runtime GenAI takes them) or arrays;
   * - `applyChatTemplate(messages, { template?, addGenerationPrompt?, tools? })`, or one JSON string of messages.
   * Templates that are a list or map of named templates use the one named `default`.
   */
  applyChatTemplate(messages: ChatMessage[] | string, options?: ChatTemplateOptions): string;
  applyChatTemplate(
    template: string | null | undefined,
    messages: ChatMessage[] | string,
    tools?: ChatTool[] | string | null,
    addGenerationPrompt?: boolean,
  ): string;
  applyChatTemplate(
    first: ChatMessage[] | string | null | undefined,
    second?: ChatTemplateOptions | ChatMessage[] | string,
    tools?: ChatTool[] | string | null,
    addGenerationPrompt?: boolean,
  ): string {
    const positional = Array.isArray(second) || typeof second === 'string';
    const options: ChatTemplateOptions = positional
      ? {
          template: (first as string | null | undefined) || undefined,
          tools: tools ?? undefined,
          addGenerationPrompt,
        }
      : ((second as ChatTemplateOptions | undefined) ?? {});
    const rawMessages = (positional ? second : first) as ChatMessage[] | string | null | undefined;
    const messages =
      typeof rawMessages === 'string' ? parseJson<ChatMessage[]>(rawMessages, 'The messages') : rawMessages;
    if (!Array.isArray(messages))
      throw new Error('applyChatTemplate needs the messages: an array of { role, content }, or its JSON.');
    const toolList =
      typeof options.tools === 'string' ? parseJson<ChatTool[]>(options.tools, 'The tools') : options.tools;
    const source = options.template ?? this.#chatTemplate();
    let template = this.#templates.get(source);
    if (!template) {
      template = new Template(source);
      this.#templates.set(source, template);
    }
    const special = this.specialTokens;
    return template.render({
      messages,
      ...(toolList ? { tools: toolList } : {}),
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: special.bos ?? '',
      eos_token: special.eos ?? '',
      pad_token: special.pad ?? '',
      unk_token: special.unk ?? '',
    });
  }

  /** A stream that turns generated ids back into text one token at a time. */
  createStream(): TokenizerStream {
    return new TokenizerStream(this);
  }

  #chatTemplate(): string {
    const value = this.#config.chat_template;
    if (typeof value === 'string') return value;
    const named = Array.isArray(value)
      ? (value as Array<{ name?: string; template?: string }>).find((t) => t.name === 'default')?.template
      : value && typeof value === 'object'
        ? (value as Record<string, string>).default
        : undefined;
    if (typeof named === 'string') return named;
    throw new Error(
      'This tokenizer has no chat_template in tokenizer_config.json; pass one (the template argument, or { template }).',
    );
  }
}

/**
 * Decodes generated tokens one at a time. Each call returns only the new text, decoded in the context of
 * the tokens before it (so word-piece joins and leading spaces come out right), and holds text back while
 * it ends in an incomplete UTF-8 sequence (byte-fallback tokens of one multi-byte character).
 * The work per token is bounded: only the tokens since the last emitted piece are re-decoded.
 */
export class TokenizerStream {
  readonly #tokenizer: Tokenizer;
  #ids: number[] = [];
  #prefixOffset = 0;
  #readOffset = 0;

  constructor(tokenizer: Tokenizer) {
    this.#tokenizer = tokenizer;
  }

  /** Adds one token and returns the text it completes ('' while a character is still incomplete). */
  decode(id: number | bigint): string {
    this.#ids.push(Number(id));
    const before = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset, this.#readOffset));
    const after = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset));
    if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
    this.#prefixOffset = this.#readOffset;
    this.#readOffset = this.#ids.length;
    return after.slice(before.length);
  }

  /** Forgets the tokens seen so far (for a new sequence). */
  reset(): void {
    this.#ids = [];
    this.#prefixOffset = 0;
    this.#readOffset = 0;
  }
}
