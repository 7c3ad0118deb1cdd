import { DecoderGraph, decoderIo, genaiTensorNames } from './decoder-graph.js';
import {
  decoderReference,
  decoderTokens,
  decoderWeights,
  OPTIMUM_SPECIALS,
  resolveDecoderShape,
  type TinyDecoder,
  type TinyDecoderOptions,
} from './decoder-model.js';
import { createPhi3Decoder } from './decoder-phi3.js';
import { wordPieceTokenizer } from './encoder.js';
import { intAttribute, intsAttribute } from './protobuf.js';

export type { DecoderShape, TinyDecoder, TinyDecoderOptions } from './decoder-model.js';

const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|> ' + message['content'] + ' <|end|> ' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

/**
 * Generates a small decoder-only LM, deterministic from `seed`. The default `optimum` layout is the
 * transformers.js/Optimum export: inputs `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.%d.key/value`; outputs `logits`, `present.%d.key/value`; learned positions, the KV
 * cache grown by Concat and the causal and padding mask built in the graph (Range / LessOrEqual / Where),
 * so prefill plus cached steps equal a full forward pass. With no options it is one layer of two heads
 * of 8, no MLP and no norm. `layout: 'phi3'` gives ONNX Runtime GenAI's Phi-3 int4 layout instead
 * (see `createPhi3Decoder`).
 */
export function createTinyDecoder(options: TinyDecoderOptions = {}): TinyDecoder {
  if (options.layout === 'phi3') return createPhi3Decoder(options);
  const symbols = options.symbols ?? false;
  const tokens = decoderTokens('optimum', options.vocabExtra ?? 0, symbols);
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const shape = resolveDecoderShape(options, tokens.length);
  const weights = decoderWeights(shape, options.seed ?? 5);
  const { heads, headSize, hidden, vocabSize: size, maxPositions } = shape;
  const perm = (p: number[]) => [intsAttribute('perm', p)];
  const g = new DecoderGraph();
  g.add('Gather', ['tok_emb', 'input_ids'], ['tok'], 'tok_embed');
  g.add('Gather', ['pos_emb', 'position_ids'], ['pos'], 'pos_embed');
  g.add('Add', ['tok', 'pos'], ['x'], 'embed_add');
  g.f32('tok_emb', [size, hidden], weights.tok);
  g.f32('pos_emb', [maxPositions, hidden], weights.pos!);
  const attention = (layer: number, input: string, p: string) => {
    const w = weights.layers[layer]!;
    for (const [x, m] of [
      ['q', w.q],
      ['k', w.k],
      ['v', w.v],
    ] as const) {
      g.project(input, `${p}w_${x}`, m, hidden, hidden, `${p}${x}_flat`, `${p}${x}_proj`);
      g.add('Reshape', [`${p}${x}_flat`, 'heads_shape'], [`${p}${x}_split`], `${p}${x}_reshape`);
      g.add('Transpose', [`${p}${x}_split`], [`${p}${x}h`], `${p}${x}_transpose`, perm([0, 2, 1, 3]));
    }
    const [presentKey, presentValue] = [`present.${layer}.key`, `present.${layer}.value`];
    const axis2 = [intAttribute('axis', 2)];
    g.add('Concat', [`past_key_values.${layer}.key`, `${p}kh`], [presentKey], `${p}k_cache`, axis2);
    g.add('Concat', [`past_key_values.${layer}.value`, `${p}vh`], [presentValue], `${p}v_cache`, axis2);
    g.add('Transpose', [presentKey], [`${p}kt`], `${p}k_t`, perm([0, 1, 3, 2]));
    g.add('MatMul', [`${p}qh`, `${p}kt`], [`${p}scores_raw`], `${p}scores`);
    g.add('Mul', [`${p}scores_raw`, 'scale'], [`${p}scores_scaled`], `${p}scale_scores`);
    if (layer === 0) {
      // Mask: query i (absolute position T-S+i) may see key j when j <= T-S+i and the key is not padding.
      g.add('Shape', ['attention_mask'], ['mask_shape'], 'mask_shape');
      g.add('Gather', ['mask_shape', 'one'], ['total'], 'total_len');
      g.add('Shape', ['input_ids'], ['ids_shape'], 'ids_shape');
      g.add('Gather', ['ids_shape', 'one'], ['current'], 'current_len');
      g.add('Sub', ['total', 'current'], ['past'], 'past_len');
      g.add('Range', ['past', 'total', 'one'], ['q_pos'], 'q_positions');
      g.add('Range', ['zero', 'total', 'one'], ['k_pos'], 'k_positions');
      g.add('Unsqueeze', ['k_pos', 'axis0'], ['k_row'], 'k_row');
      g.add('Unsqueeze', ['q_pos', 'axis1'], ['q_col'], 'q_col');
      g.add('LessOrEqual', ['k_row', 'q_col'], ['causal'], 'causal');
      g.add('Cast', ['attention_mask'], ['mask_bool'], 'mask_bool', [intAttribute('to', 9)]);
      g.add('Unsqueeze', ['mask_bool', 'axes12'], ['mask_4d'], 'mask_4d');
      g.add('And', ['causal', 'mask_4d'], ['allowed'], 'allowed');
    }
    g.add('Where', ['allowed', `${p}scores_scaled`, 'masked'], [`${p}scores_masked`], `${p}apply_mask`);
    g.add('Softmax', [`${p}scores_masked`], [`${p}probs`], `${p}softmax`, [intAttribute('axis', 3)]);
    g.add('MatMul', [`${p}probs`, presentValue], [`${p}attn_heads`], `${p}attend`);
    g.add('Transpose', [`${p}attn_heads`], [`${p}attn_split`], `${p}attn_transpose`, perm([0, 2, 1, 3]));
    g.add('Reshape', [`${p}attn_split`, 'merge_shape'], [`${p}attn`], `${p}attn_merge`);
    g.project(`${p}attn`, `${p}w_o`, w.o, hidden, hidden, `${p}attn_out`, `${p}out_proj`);
    return `${p}attn_out`;
  };
  const last = g.layers(shape, weights, 'x', (l) => (shape.layers === 1 ? '' : `l${l}_`), attention);
  g.lmHead(shape, weights, last);
  g.f32('scale', [], Float32Array.of(1 / Math.sqrt(headSize)));
  g.f32('masked', [], Float32Array.of(-1e9));
  g.i64('heads_shape', [4], [0, 0, heads, headSize]);
  g.i64('merge_shape', [3], [0, 0, hidden]);
  g.i64('zero', [], [0]);
  g.i64('one', [], [1]);
  g.i64('axis0', [1], [0]);
  g.i64('axis1', [1], [1]);
  g.i64('axes12', [2], [1, 2]);
  const bytes = g.toModel('tiny_decoder', decoderIo(shape, true));

  const eosTokenId = vocab['<|end|>']!;
  const pad = vocab['[PAD]'];
  const config = {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    hidden_size: hidden,
    num_attention_heads: heads,
    num_key_value_heads: heads,
    num_hidden_layers: shape.layers,
    vocab_size: size,
    max_position_embeddings: maxPositions,
    bos_token_id: null,
    eos_token_id: eosTokenId,
    pad_token_id: pad,
  };
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: maxPositions,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    eos_token: '<|end|>',
    padding_side: 'left',
    chat_template: CHAT_TEMPLATE,
    ...(symbols ? { clean_up_tokenization_spaces: false } : {}),
  };
  // ONNX Runtime GenAI's config, in the layout of its Phi-3 export (templated KV names, eos as a list).
  const genaiConfig = {
    model: {
      type: 'llama',
      context_length: maxPositions,
      vocab_size: size,
      bos_token_id: pad,
      eos_token_id: [eosTokenId],
      pad_token_id: pad,
      decoder: {
        filename: 'onnx/model.onnx',
        session_options: { log_id: 'flowline-testkit', provider_options: [] },
        head_size: headSize,
        hidden_size: hidden,
        num_attention_heads: heads,
        num_key_value_heads: heads,
        num_hidden_layers: shape.layers,
        ...genaiTensorNames(true),
      },
    },
    search: { max_length: maxPositions, do_sample: false, top_k: 1, past_present_share_buffer: false },
  };
  const files = {
    'genai_config.json': JSON.stringify(genaiConfig, null, 2),
    'config.json': JSON.stringify(config, null, 2),
    'generation_config.json': JSON.stringify({ eos_token_id: eosTokenId, pad_token_id: pad }),
    'tokenizer.json': JSON.stringify(
      wordPieceTokenizer(vocab, OPTIMUM_SPECIALS, false, '[UNK]', !symbols),
      null,
      2,
    ),
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    'onnx/model.onnx': bytes,
  };
  return {
    files,
    modelFile: 'onnx/model.onnx',
    vocab,
    eosTokenId,
    ...decoderReference(shape, weights, [eosTokenId]),
  };
}
