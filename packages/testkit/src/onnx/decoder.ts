import { wordPieceTokenizer } from './encoder.js';
import { seeded } from './mlp.js';
import {
  ElemType,
  intAttribute,
  intsAttribute,
  model,
  msg,
  node,
  str,
  tensor,
  valueInfo,
} from './protobuf.js';

/** A tiny decoder-only language model with KV cache, as the files of a transformers.js model folder. */
export interface TinyDecoder {
  /** Relative path → contents: genai_config.json, config.json, generation_config.json, tokenizer files, onnx/model.onnx. */
  files: Record<string, string | Uint8Array>;
  vocab: Record<string, number>;
  /** The id generation stops at (`<|end|>`). */
  eosTokenId: number;
  /** Greedy decoding of `maxNewTokens` ids after `prompt`, computed in JS without a cache. */
  greedy(prompt: number[], maxNewTokens: number): number[];
}

const SPECIALS = ['[PAD]', '[UNK]', '<|system|>', '<|user|>', '<|assistant|>', '<|end|>'];
const WORDS = ['hello', 'world', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'is', 'you', 'said'];
const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|> ' + message['content'] + ' <|end|> ' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

/**
 * Generates a one-layer, two-head attention LM (learned positions, no norm), deterministic from `seed`,
 * in the layout transformers.js expects of a causal LM: inputs `input_ids`, `attention_mask`,
 * `position_ids`, `past_key_values.0.key/value`; outputs `logits`, `present.0.key/value`. The causal
 * and padding mask is built in the graph (Range / LessOrEqual / Where), following the Optimum
 * convention, so prefill plus cached steps equal a full forward pass.
 */
export function createTinyDecoder(options: { seed?: number; maxPositions?: number } = {}): TinyDecoder {
  const { seed = 5, maxPositions = 128 } = options;
  const heads = 2;
  const headSize = 8;
  const hidden = heads * headSize;
  const letters = [...'abcdefghijklmnopqrstuvwxyz'];
  const tokens = [...SPECIALS, ...WORDS, ...letters, ...letters.map((l) => `##${l}`)];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const size = tokens.length;
  const random = seeded(seed);
  const weights = (n: number, scale = 1) =>
    Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const W = {
    tok: weights(size * hidden),
    pos: weights(maxPositions * hidden, 0.5),
    q: weights(hidden * hidden, 0.5),
    k: weights(hidden * hidden, 0.5),
    v: weights(hidden * hidden, 0.5),
    o: weights(hidden * hidden, 0.5),
    lm: weights(hidden * size, 2),
  };
  const i64 = (name: string, dims: number[], values: number[]) =>
    msg(5, tensor(name, dims, BigInt64Array.from(values.map(BigInt)), ElemType.INT64));
  const f32 = (name: string, dims: number[], values: Float32Array) =>
    msg(5, tensor(name, dims, values, ElemType.FLOAT));
  const perm = (p: number[]) => [intsAttribute('perm', p)];
  const heads4 = (x: string, out: string) => [
    node('MatMul', ['x', `w_${x}`], [`${x}_flat`], `${x}_proj`),
    node('Reshape', [`${x}_flat`, 'heads_shape'], [`${x}_split`], `${x}_reshape`),
    node('Transpose', [`${x}_split`], [out], `${x}_transpose`, perm([0, 2, 1, 3])),
  ];
  const bytes = model([
    node('Gather', ['tok_emb', 'input_ids'], ['tok'], 'tok_embed'),
    node('Gather', ['pos_emb', 'position_ids'], ['pos'], 'pos_embed'),
    node('Add', ['tok', 'pos'], ['x'], 'embed_add'),
    ...heads4('q', 'qh'),
    ...heads4('k', 'kh'),
    ...heads4('v', 'vh'),
    node('Concat', ['past_key_values.0.key', 'kh'], ['present.0.key'], 'k_cache', [intAttribute('axis', 2)]),
    node('Concat', ['past_key_values.0.value', 'vh'], ['present.0.value'], 'v_cache', [
      intAttribute('axis', 2),
    ]),
    node('Transpose', ['present.0.key'], ['kt'], 'k_t', perm([0, 1, 3, 2])),
    node('MatMul', ['qh', 'kt'], ['scores_raw'], 'scores'),
    node('Mul', ['scores_raw', 'scale'], ['scores_scaled'], 'scale_scores'),
    // Mask: query i (absolute position T-S+i) may see key j when j <= T-S+i and the key is not padding.
    node('Shape', ['attention_mask'], ['mask_shape'], 'mask_shape'),
    node('Gather', ['mask_shape', 'one'], ['total'], 'total_len'),
    node('Shape', ['input_ids'], ['ids_shape'], 'ids_shape'),
    node('Gather', ['ids_shape', 'one'], ['current'], 'current_len'),
    node('Sub', ['total', 'current'], ['past'], 'past_len'),
    node('Range', ['past', 'total', 'one'], ['q_pos'], 'q_positions'),
    node('Range', ['zero', 'total', 'one'], ['k_pos'], 'k_positions'),
    node('Unsqueeze', ['k_pos', 'axis0'], ['k_row'], 'k_row'),
    node('Unsqueeze', ['q_pos', 'axis1'], ['q_col'], 'q_col'),
    node('LessOrEqual', ['k_row', 'q_col'], ['causal'], 'causal'),
    node('Cast', ['attention_mask'], ['mask_bool'], 'mask_bool', [intAttribute('to', 9)]),
    node('Unsqueeze', ['mask_bool', 'axes12'], ['mask_4d'], 'mask_4d'),
    node('And', ['causal', 'mask_4d'], ['allowed'], 'allowed'),
    node('Where', ['allowed', 'scores_scaled', 'masked'], ['scores_masked'], 'apply_mask'),
    node('Softmax', ['scores_masked'], ['probs'], 'softmax', [intAttribute('axis', 3)]),
    node('MatMul', ['probs', 'present.0.value'], ['attn_heads'], 'attend'),
    node('Transpose', ['attn_heads'], ['attn_split'], 'attn_transpose', perm([0, 2, 1, 3])),
    node('Reshape', ['attn_split', 'merge_shape'], ['attn'], 'attn_merge'),
    node('MatMul', ['attn', 'w_o'], ['attn_out'], 'out_proj'),
    node('Add', ['x', 'attn_out'], ['h'], 'residual'),
    node('MatMul', ['h', 'w_lm'], ['logits'], 'lm_head'),
    str(2, 'tiny_decoder'),
    f32('tok_emb', [size, hidden], W.tok),
    f32('pos_emb', [maxPositions, hidden], W.pos),
    f32('w_q', [hidden, hidden], W.q),
    f32('w_k', [hidden, hidden], W.k),
    f32('w_v', [hidden, hidden], W.v),
    f32('w_o', [hidden, hidden], W.o),
    f32('w_lm', [hidden, size], W.lm),
    f32('scale', [], Float32Array.of(1 / Math.sqrt(headSize))),
    f32('masked', [], Float32Array.of(-1e9)),
    i64('heads_shape', [4], [0, 0, heads, headSize]),
    i64('merge_shape', [3], [0, 0, hidden]),
    i64('zero', [], [0]),
    i64('one', [], [1]),
    i64('axis0', [1], [0]),
    i64('axis1', [1], [1]),
    i64('axes12', [2], [1, 2]),
    valueInfo(11, 'input_ids', ElemType.INT64, ['batch_size', 'sequence_length']),
    valueInfo(11, 'attention_mask', ElemType.INT64, ['batch_size', 'total_sequence_length']),
    valueInfo(11, 'position_ids', ElemType.INT64, ['batch_size', 'sequence_length']),
    ...['key', 'value'].map((kv) =>
      valueInfo(11, `past_key_values.0.${kv}`, ElemType.FLOAT, [
        'batch_size',
        heads,
        'past_sequence_length',
        headSize,
      ]),
    ),
    valueInfo(12, 'logits', ElemType.FLOAT, ['batch_size', 'sequence_length', size]),
    ...['key', 'value'].map((kv) =>
      valueInfo(12, `present.0.${kv}`, ElemType.FLOAT, [
        'batch_size',
        heads,
        'total_sequence_length',
        headSize,
      ]),
    ),
  ]);

  const matvec = (x: number[], w: Float32Array, cols: number) =>
    Array.from({ length: cols }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i * cols + j]!, 0));
  /** Logits of the last position, by a full forward pass over `ids`. */
  const lastLogits = (ids: number[]): number[] => {
    const xs = ids.map((id, p) =>
      Array.from({ length: hidden }, (_, j) => W.tok[id * hidden + j]! + W.pos[p * hidden + j]!),
    );
    const qs = xs.map((x) => matvec(x, W.q, hidden));
    const ks = xs.map((x) => matvec(x, W.k, hidden));
    const vs = xs.map((x) => matvec(x, W.v, hidden));
    const last = ids.length - 1;
    const attn: number[] = [];
    for (let h = 0; h < heads; h++) {
      const slice = (row: number[]) => row.slice(h * headSize, (h + 1) * headSize);
      const q = slice(qs[last]!);
      const scores = ks.map((k) => slice(k).reduce((s, kj, j) => s + kj * q[j]!, 0) / Math.sqrt(headSize));
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let d = 0; d < headSize; d++)
        attn.push(exps.reduce((s, e, t) => s + (e / total) * slice(vs[t]!)[d]!, 0));
    }
    const out = matvec(attn, W.o, hidden);
    const h = xs[last]!.map((x, j) => x + out[j]!);
    return matvec(h, W.lm, size);
  };
  const eosTokenId = vocab['<|end|>']!;
  const greedy = (prompt: number[], maxNewTokens: number) => {
    const ids = [...prompt];
    const generated: number[] = [];
    while (generated.length < maxNewTokens) {
      const logits = lastLogits(ids);
      const next = logits.indexOf(Math.max(...logits));
      generated.push(next);
      ids.push(next);
      if (next === eosTokenId) break;
    }
    return generated;
  };

  const config = {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    hidden_size: hidden,
    num_attention_heads: heads,
    num_key_value_heads: heads,
    num_hidden_layers: 1,
    vocab_size: size,
    max_position_embeddings: maxPositions,
    bos_token_id: null,
    eos_token_id: eosTokenId,
    pad_token_id: vocab['[PAD]'],
  };
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: maxPositions,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    eos_token: '<|end|>',
    padding_side: 'left',
    chat_template: CHAT_TEMPLATE,
  };
  // ONNX Runtime GenAI's config, in the layout of its Phi-3 export (templated KV names, eos as a list).
  const genaiConfig = {
    model: {
      type: 'llama',
      context_length: maxPositions,
      vocab_size: size,
      bos_token_id: vocab['[PAD]'],
      eos_token_id: [eosTokenId],
      pad_token_id: vocab['[PAD]'],
      decoder: {
        filename: 'onnx/model.onnx',
        session_options: { log_id: 'flowline-testkit', provider_options: [] },
        head_size: headSize,
        hidden_size: hidden,
        num_attention_heads: heads,
        num_key_value_heads: heads,
        num_hidden_layers: 1,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          position_ids: 'position_ids',
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: {
          logits: 'logits',
          present_key_names: 'present.%d.key',
          present_value_names: 'present.%d.value',
        },
      },
    },
    search: { max_length: maxPositions, do_sample: false, top_k: 1, past_present_share_buffer: false },
  };
  const files = {
    'genai_config.json': JSON.stringify(genaiConfig, null, 2),
    'config.json': JSON.stringify(config, null, 2),
    'generation_config.json': JSON.stringify({ eos_token_id: eosTokenId, pad_token_id: vocab['[PAD]'] }),
    'tokenizer.json': JSON.stringify(wordPieceTokenizer(vocab, SPECIALS, false), null, 2),
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    'onnx/model.onnx': bytes,
  };
  return { files, vocab, eosTokenId, greedy };
}
