import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';

/**
 * A Phi-3-shaped tokenizer (BPE with byte fallback, "▁" for spaces, <s> prepended, a Strip decoder),
 * small enough to reason about: "€" is not in the vocabulary, so it encodes as its three UTF-8 bytes.
 */
function phi3Like(): { json: object; config: object } {
  const pieces = ['<unk>', '<s>', '</s>', '<|user|>', '<|assistant|>', '<|end|>'];
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const chars = ['▁', 'h', 'i', 'a', 'c', 'o', 's', 't', '▁h', '▁hi', '▁c', 'co', '▁co', 'st', '▁cost', 'ts'];
  const vocab = Object.fromEntries([...pieces, ...bytes, ...chars].map((t, i) => [t, i]));
  const merges = ['▁ h', '▁h i', '▁ c', 'c o', '▁c o', 's t', '▁co st', 't s'];
  return {
    json: {
      version: '1.0',
      added_tokens: pieces.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: content.startsWith('<|'),
        normalized: false,
        special: true,
      })),
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '▁' },
          { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
        ],
      },
      pre_tokenizer: null,
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
      },
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: { type: 'BPE', byte_fallback: true, fuse_unk: true, unk_token: '<unk>', vocab, merges },
    },
    config: {
      bos_token: '<s>',
      eos_token: '<|end|>',
      chat_template:
        "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}",
    },
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-genai-tokenizer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Tokenizer', () => {
  it('encodes and decodes a BPE tokenizer with byte fallback, adding <s> only when asked (ONNX Runtime GenAI ≥ 0.8)', () => {
    const { json, config } = phi3Like();
    const tokenizer = new Tokenizer(json, config);
    expect(tokenizer.encode('hi cost €')[0]).not.toBe(1);
    const ids = tokenizer.encode('hi cost €', { addSpecialTokens: true });
    expect(ids[0]).toBe(1);
    expect(ids.slice(1)).toEqual(tokenizer.encode('hi cost €'));
    // "€" is E2 82 AC: three byte tokens (ids 6 + byte value).
    expect(ids.slice(-3)).toEqual([6 + 0xe2, 6 + 0x82, 6 + 0xac]);
    expect(tokenizer.decode(ids)).toBe('hi cost €');
    expect(tokenizer.decode(ids, { skipSpecialTokens: false })).toMatch(/^<s>/);
    expect(tokenizer.encode('hi', { addSpecialTokens: false })[0]).not.toBe(1);
    expect(tokenizer.tokenToId('<|end|>')).toBe(5);
    expect(tokenizer.tokenToId('nonsense-token')).toBeUndefined();
    expect(tokenizer.specialTokens).toMatchObject({ bos: '<s>', eos: '<|end|>' });
  });

  it('streams decoding token by token without splitting a multi-byte character', () => {
    const { json, config } = phi3Like();
    const tokenizer = new Tokenizer(json, config);
    const ids = tokenizer.encode('hi € cost', { addSpecialTokens: false });
    const stream = tokenizer.createStream();
    const pieces = ids.map((id) => stream.decode(id));
    // The three byte tokens of "€" give nothing, nothing, then the whole character.
    const euro = ids.indexOf(6 + 0xe2);
    expect(pieces.slice(euro, euro + 3)).toEqual(['', '', '€']);
    expect(pieces.every((p) => !p.includes('\uFFFD'))).toBe(true);
    expect(pieces.join('')).toBe(tokenizer.decode(ids));
    // Leading spaces come from context: " cost" after "€", not "cost".
    expect(pieces.at(-1)).toMatch(/^ /);
    stream.reset();
    expect(stream.decode(ids[0]!)).toBe(tokenizer.decode([ids[0]!]));
  });

  it('renders chat templates with @huggingface/jinja, from the folder’s tokenizer_config.json', async () => {
    const folder = await writeModelFiles(join(dir, 'lm'), createTinyDecoder().files);
    const tokenizer = await Tokenizer.fromFolder(folder);
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello cat' },
    ];
    const prompt = tokenizer.applyChatTemplate(messages);
    expect(prompt).toBe('<|system|> be brief <|end|> <|user|> hello cat <|end|> <|assistant|>');
    expect(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: false })).not.toMatch(/assistant/);
    const ids = tokenizer.encode(prompt);
    expect(tokenizer.decode(ids, { skipSpecialTokens: false })).toContain('<|assistant|>');
    const { config, json } = phi3Like();
    const phi3 = new Tokenizer(json, config);
    expect(phi3.applyChatTemplate([{ role: 'user', content: 'hi' }])).toBe(
      '<|user|>\nhi<|end|>\n<|assistant|>\n',
    );
  });

  it('a chat template that writes {{ bos_token }} gives exactly one bos', () => {
    const { json, config } = phi3Like();
    const template =
      "{{ bos_token }}{% for m in messages %}{{ '<|' + m['role'] + '|>' + m['content'] + '<|end|>' }}{% endfor %}";
    const tokenizer = new Tokenizer(json, { ...config, chat_template: template });
    const ids = tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }]));
    expect(ids.filter((id) => id === 1)).toHaveLength(1);
    expect(ids[0]).toBe(1);
    expect(ids[1]).toBe(3);
  });

  it('encodeBatch / decodeBatch, and applyChatTemplate in ONNX Runtime GenAI’s argument order with tools', () => {
    const { json, config } = phi3Like();
    const tokenizer = new Tokenizer(json, config);
    const rows = tokenizer.encodeBatch(['hi', 'cost €']);
    expect(rows).toEqual([tokenizer.encode('hi'), tokenizer.encode('cost €')]);
    expect(tokenizer.decodeBatch(rows)).toEqual(['hi', 'cost €']);
    const messages = [{ role: 'user', content: 'hi' }];
    // (template, messages, tools, addGenerationPrompt); a null template is the tokenizer's own.
    expect(tokenizer.applyChatTemplate(null, messages, null, true)).toBe(
      tokenizer.applyChatTemplate(messages),
    );
    expect(tokenizer.applyChatTemplate(undefined, JSON.stringify(messages), undefined, false)).toBe(
      tokenizer.applyChatTemplate(messages, { addGenerationPrompt: false }),
    );
    expect(tokenizer.applyChatTemplate(JSON.stringify(messages))).toBe(tokenizer.applyChatTemplate(messages));
    const withTools =
      '{% for t in tools %}[{{ t.function.name }}]{% endfor %}{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}>{% endif %}';
    const tools = [{ type: 'function', function: { name: 'get_weather' } }];
    expect(tokenizer.applyChatTemplate(withTools, messages, tools, false)).toBe('[get_weather]hi');
    expect(tokenizer.applyChatTemplate(withTools, messages, JSON.stringify(tools), true)).toBe(
      '[get_weather]hi>',
    );
    expect(tokenizer.applyChatTemplate(messages, { template: withTools, tools })).toBe('[get_weather]hi>');
    expect(() => tokenizer.applyChatTemplate(null, '{not json', null, true)).toThrow(/not valid JSON/);
  });

  it('new Tokenizer(model) reads the model folder’s tokenizer, as og.Tokenizer(model)', async () => {
    const folder = await writeModelFiles(join(dir, 'lm2'), createTinyDecoder().files);
    const fromFolder = await Tokenizer.fromFolder(folder);
    const tokenizer = new Tokenizer({ dir: folder, config: { model: { tokenizer_dir: '' } } });
    const text = fromFolder.applyChatTemplate([{ role: 'user', content: 'hello cat' }]);
    expect(tokenizer.encode(text)).toEqual(fromFolder.encode(text));
    expect(tokenizer.applyChatTemplate([{ role: 'user', content: 'hello cat' }])).toBe(text);
    expect(() => new Tokenizer({ dir: join(dir, 'nowhere'), config: { model: {} } })).toThrow(
      /No tokenizer.json/,
    );
  });

  it('says what is missing: no tokenizer files, no chat template', async () => {
    await expect(Tokenizer.fromFolder(join(dir, 'nowhere'))).rejects.toThrow(/No tokenizer.json/);
    const { json } = phi3Like();
    expect(() => new Tokenizer(json, {}).applyChatTemplate([{ role: 'user', content: 'x' }])).toThrow(
      /no chat_template/,
    );
  });
});
