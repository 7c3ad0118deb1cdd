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
}

type TokenizerConfig = Record<string, unknown> & { chat_template?: unknown };

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return undefined;
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

  constructor(tokenizerJson: object, tokenizerConfig: object = {}) {
    this.#tokenizer = new HfTokenizer(tokenizerJson, tokenizerConfig);
    this.#config = tokenizerConfig as TokenizerConfig;
  }

  /** Reads `tokenizer.json` and (if present) `tokenizer_config.json` from a model folder. */
  static async fromFolder(dir: string): Promise<Tokenizer> {
    const json = await readFile(join(dir, 'tokenizer.json'), 'utf8').catch((cause: unknown) => {
      throw new Error(`No tokenizer.json in ${dir}; the model folder needs its tokenizer files.`, { cause });
    });
    const config = await readFile(join(dir, 'tokenizer_config.json'), 'utf8').catch(() => '{}');
    return new Tokenizer(JSON.parse(json), JSON.parse(config));
  }

  /** Token ids of `text`; special tokens (bos, …) are added as the tokenizer's post-processor says. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** Token ids of several texts (unpadded; generators pad batches themselves). */
  encodeBatch(texts: string[], options: { addSpecialTokens?: boolean } = {}): number[][] {
    return texts.map((text) => this.encode(text, options));
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
   * Renders a conversation with the tokenizer's chat template (or `options.template`), ready to encode.
   * Templates that are a list or map of named templates use the one named `default`.
   */
  applyChatTemplate(messages: ChatMessage[], options: ChatTemplateOptions = {}): string {
    const source = options.template ?? this.#chatTemplate();
    let template = this.#templates.get(source);
    if (!template) {
      template = new Template(source);
      this.#templates.set(source, template);
    }
    const special = this.specialTokens;
    return template.render({
      messages,
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
      'This tokenizer has no chat_template in tokenizer_config.json; pass one with { template }.',
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
