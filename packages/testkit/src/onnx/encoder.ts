import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seeded } from './mlp.js';
import { ElemType, intAttribute, model, msg, node, str, tensor, valueInfo } from './protobuf.js';

/** A tiny BERT-shaped text encoder with its tokenizer, as the files of a transformers.js model folder. */
export interface TinyEncoder {
  /** Relative path → contents: config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx. */
  files: Record<string, string | Uint8Array>;
  hidden: number;
  /** Token → id of the WordPiece vocabulary (lowercase letters, a few whole words, [CLS] and [SEP]). */
  vocab: Record<string, number>;
  /** The model's `last_hidden_state` for one unpadded sequence of ids, computed in JS. */
  reference(ids: number[]): number[][];
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
const WORDS = ['hello', 'world', 'the', 'cat', 'sat'];

/**
 * Generates `last_hidden_state = Tanh(Embedding[input_ids] · W) * attention_mask`, deterministic from
 * `seed`, with a WordPiece tokenizer that covers any lowercase ASCII text. Runs in onnxruntime and in
 * transformers.js pipelines (`feature-extraction`).
 */
export function createTinyEncoder(options: { hidden?: number; seed?: number } = {}): TinyEncoder {
  const { hidden = 8, seed = 7 } = options;
  const letters = [...'abcdefghijklmnopqrstuvwxyz'];
  const tokens = [...SPECIALS, ...WORDS, ...letters, ...letters.map((l) => `##${l}`)];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const random = seeded(seed);
  const weights = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  const embedding = weights(tokens.length * hidden);
  const projection = weights(hidden * hidden);
  const onnx = model([
    node('Gather', ['embedding', 'input_ids'], ['embedded'], 'embed'),
    node('MatMul', ['embedded', 'projection'], ['projected'], 'project'),
    node('Tanh', ['projected'], ['activated'], 'tanh'),
    node('Cast', ['attention_mask'], ['mask_float'], 'mask_cast', [intAttribute('to', ElemType.FLOAT)]),
    node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_column'], 'mask_unsqueeze'),
    node('Mul', ['activated', 'mask_column'], ['last_hidden_state'], 'mask_apply'),
    str(2, 'tiny_encoder'),
    msg(5, tensor('embedding', [tokens.length, hidden], embedding, ElemType.FLOAT)),
    msg(5, tensor('projection', [hidden, hidden], projection, ElemType.FLOAT)),
    msg(5, tensor('last_axis', [1], BigInt64Array.from([-1n]), ElemType.INT64)),
    valueInfo(11, 'input_ids', ElemType.INT64, ['batch_size', 'sequence_length']),
    valueInfo(11, 'attention_mask', ElemType.INT64, ['batch_size', 'sequence_length']),
    valueInfo(12, 'last_hidden_state', ElemType.FLOAT, ['batch_size', 'sequence_length', hidden]),
  ]);
  const reference = (ids: number[]) =>
    ids.map((id) =>
      Array.from({ length: hidden }, (_, j) => {
        let sum = 0;
        for (let i = 0; i < hidden; i++) sum += embedding[id * hidden + i]! * projection[i * hidden + j]!;
        return Math.tanh(sum);
      }),
    );
  return { files: encoderFiles(onnx, vocab, hidden), hidden, vocab, reference };
}

/**
 * A WordPiece tokenizer.json over `vocab`; `specials` are added tokens; `bert` adds [CLS] … [SEP];
 * `cleanup` (default true) lets the decoder drop spaces before punctuation; without it, decoding keeps
 * every space and also strips `##` from a leading continuation, so a text is its tokens' texts joined.
 */
export function wordPieceTokenizer(
  vocab: Record<string, number>,
  specials: string[],
  bert: boolean,
  unk = '[UNK]',
  cleanup = true,
): Record<string, unknown> {
  const special = (name: string) => ({ id: name, ids: [vocab[name]], tokens: [name] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: vocab[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: bert
      ? {
          type: 'TemplateProcessing',
          single: [
            { SpecialToken: { id: '[CLS]', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '[SEP]', type_id: 0 } },
          ],
          pair: [
            { SpecialToken: { id: '[CLS]', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '[SEP]', type_id: 0 } },
            { Sequence: { id: 'B', type_id: 1 } },
            { SpecialToken: { id: '[SEP]', type_id: 1 } },
          ],
          special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
        }
      : null,
    decoder: cleanup
      ? { type: 'WordPiece', prefix: '##', cleanup }
      : {
          type: 'Sequence',
          decoders: [
            { type: 'WordPiece', prefix: '##', cleanup },
            { type: 'Replace', pattern: { String: '##' }, content: '' },
          ],
        },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

function encoderFiles(
  onnx: Uint8Array,
  vocab: Record<string, number>,
  hidden: number,
): Record<string, string | Uint8Array> {
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
  };
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: hidden,
    vocab_size: Object.keys(vocab).length,
    num_hidden_layers: 1,
    num_attention_heads: 1,
  };
  return {
    'config.json': JSON.stringify(config, null, 2),
    'tokenizer.json': JSON.stringify(wordPieceTokenizer(vocab, SPECIALS, true), null, 2),
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    'onnx/model.onnx': onnx,
  };
}

/** Writes a generated model's files under `dir` and returns `dir`. */
export async function writeModelFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<string> {
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return dir;
}
