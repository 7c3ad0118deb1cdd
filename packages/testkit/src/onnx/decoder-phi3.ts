import { DecoderGraph, decoderIo, genaiTensorNames } from './decoder-graph.js';
import {
  type DecoderWeights,
  decoderReference,
  decoderTokens,
  decoderWeights,
  PHI3_SPECIALS,
  resolveDecoderShape,
  type TinyDecoder,
  type TinyDecoderOptions,
} from './decoder-model.js';
import { rotaryCache } from './decoder-reference.js';
import { wordPieceTokenizer } from './encoder.js';
import { type Int4Weight, quantizeInt4 } from './int4.js';
import { ElemType, floatAttribute, intAttribute } from './protobuf.js';

/** The ONNX file name of ONNX Runtime GenAI's Phi-3-mini int4 CPU export, which the phi3 layout reuses. */
export const PHI3_MODEL_FILE = 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx';

// Phi-3's chat format: `<|role|>\n content <|end|>\n`, then `<|assistant|>\n` to prompt a reply.
const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

/**
 * The phi3 layout of `createTinyDecoder`: ONNX Runtime GenAI's Phi-3-mini int4 export in miniature. The
 * model file sits at the folder root under Phi-3's name; inputs `input_ids`, `attention_mask`,
 * `past_key_values.%d.key/value` (no `position_ids`); attention is `com.microsoft` GroupQueryAttention
 * with rotary embeddings (`seqlens_k` = ReduceSum(mask) − 1, `total_sequence_length` = mask width) and
 * projections are MatMulNBits (4 bits, block 32, accuracy_level 0 so results are exact). The logits are
 * padded past the tokenizer's last id to a multiple of 8; the padded ids get −10000 (as a trained Phi-3's
 * never win). genai_config.json follows Phi-3's (eos list, `top_k` 1, `past_present_share_buffer`), and
 * there is no generation_config.json. The JS `greedy` reference dequantises the same int4 weights.
 */
export function createPhi3Decoder(options: TinyDecoderOptions = {}): TinyDecoder {
  const symbols = options.symbols ?? false;
  const tokens = decoderTokens('phi3', options.vocabExtra ?? 0, symbols);
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const shape = resolveDecoderShape({ ...options, layout: 'phi3' }, tokens.length);
  const { hidden, heads, kvHeads, headSize, intermediate, vocabSize, maxPositions } = shape;
  const raw = decoderWeights(shape, options.seed ?? 5);
  const int4 = new Map<Float32Array, Int4Weight>();
  const quantize = (w: Float32Array, K: number, N: number) => {
    const q = quantizeInt4(w, K, N);
    int4.set(q.dequantized, q);
    return q.dequantized;
  };
  const weights: DecoderWeights = {
    ...raw,
    layers: raw.layers.map((l) => ({
      ...l,
      q: quantize(l.q, hidden, heads * headSize),
      k: quantize(l.k, hidden, kvHeads * headSize),
      v: quantize(l.v, hidden, kvHeads * headSize),
      o: quantize(l.o, heads * headSize, hidden),
      ...(l.up && l.down
        ? { up: quantize(l.up, hidden, intermediate), down: quantize(l.down, intermediate, hidden) }
        : {}),
    })),
    lm: quantize(raw.lm, hidden, vocabSize),
  };
  const logitBias = new Float32Array(vocabSize).fill(-10000, shape.tokenizerSize);
  const rotary = rotaryCache(maxPositions, headSize);

  const g = new DecoderGraph({ weights: int4, accuracyLevel: 0 });
  g.add('Gather', ['tok_emb', 'input_ids'], ['x'], 'embed');
  g.f32('tok_emb', [vocabSize, hidden], weights.tok);
  // GroupQueryAttention's lengths, from the mask as ONNX Runtime GenAI's model builder computes them.
  const toInt32 = [intAttribute('to', ElemType.INT32)];
  g.add('ReduceSum', ['attention_mask', 'axis1'], ['mask_sum'], 'mask_reduce', [intAttribute('keepdims', 0)]);
  g.add('Sub', ['mask_sum', 'one'], ['seqlens_k_64'], 'seqlens_sub');
  g.add('Cast', ['seqlens_k_64'], ['seqlens_k'], 'seqlens_cast', toInt32);
  g.add('Shape', ['attention_mask'], ['mask_shape'], 'mask_shape');
  g.add('Gather', ['mask_shape', 'one'], ['total_64'], 'total_gather');
  g.add('Cast', ['total_64'], ['total_sequence_length'], 'total_cast', toInt32);
  g.i64('axis1', [1], [1]);
  g.i64('one', [], [1]);
  g.f32('cos_cache', [maxPositions, headSize / 2], rotary.cos);
  g.f32('sin_cache', [maxPositions, headSize / 2], rotary.sin);
  const attention = (layer: number, input: string, p: string) => {
    const w = weights.layers[layer]!;
    const qkv = [
      ['q', w.q, heads],
      ['k', w.k, kvHeads],
      ['v', w.v, kvHeads],
    ] as const;
    for (const [x, m, n] of qkv)
      g.project(input, `${p}w_${x}`, m, hidden, n * headSize, `${p}${x}`, `${p}${x}_proj`);
    const kv = (kind: string) => [`past_key_values.${layer}.${kind}`, `present.${layer}.${kind}`];
    const [pastKey, presentKey] = kv('key');
    const [pastValue, presentValue] = kv('value');
    g.addContrib(
      'GroupQueryAttention',
      [
        `${p}q`,
        `${p}k`,
        `${p}v`,
        pastKey!,
        pastValue!,
        'seqlens_k',
        'total_sequence_length',
        'cos_cache',
        'sin_cache',
      ],
      [`${p}attn`, presentKey!, presentValue!],
      `${p}attention`,
      [
        intAttribute('num_heads', heads),
        intAttribute('kv_num_heads', kvHeads),
        intAttribute('do_rotary', 1),
        intAttribute('rotary_interleaved', 0),
        floatAttribute('scale', 1 / Math.sqrt(headSize)),
      ],
    );
    g.project(`${p}attn`, `${p}w_o`, w.o, heads * headSize, hidden, `${p}attn_out`, `${p}out_proj`);
    return `${p}attn_out`;
  };
  const last = g.layers(shape, weights, 'x', (l) => `layers.${l}.`, attention);
  g.lmHead(shape, weights, last, logitBias);
  const bytes = g.toModel('phi3_tiny', decoderIo(shape, false), { 'com.microsoft': 1 });

  const id = (token: string) => vocab[token]!;
  const eosTokenIds = ['<|endoftext|>', '<|assistant|>', '<|end|>'].map(id);
  const genaiConfig = {
    model: {
      bos_token_id: id('<s>'),
      context_length: maxPositions,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: PHI3_MODEL_FILE,
        head_size: headSize,
        hidden_size: hidden,
        ...genaiTensorNames(false),
        num_attention_heads: heads,
        num_hidden_layers: shape.layers,
        num_key_value_heads: kvHeads,
      },
      eos_token_id: eosTokenIds,
      pad_token_id: id('<|endoftext|>'),
      type: 'phi3',
      vocab_size: vocabSize,
    },
    search: {
      diversity_penalty: 0,
      do_sample: false,
      early_stopping: true,
      length_penalty: 1,
      max_length: maxPositions,
      min_length: 0,
      no_repeat_ngram_size: 0,
      num_beams: 1,
      num_return_sequences: 1,
      past_present_share_buffer: true,
      repetition_penalty: 1,
      temperature: 1,
      top_k: 1,
      top_p: 1,
    },
  };
  // transformers.js reads config.json (model_type and sizes name the KV inputs); as Phi-3's, its one
  // eos is <|endoftext|>.
  const config = {
    model_type: 'phi3',
    architectures: ['Phi3ForCausalLM'],
    hidden_size: hidden,
    intermediate_size: intermediate,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    num_hidden_layers: shape.layers,
    vocab_size: vocabSize,
    max_position_embeddings: maxPositions,
    rope_theta: 10000,
    rms_norm_eps: 1e-5,
    bos_token_id: id('<s>'),
    eos_token_id: id('<|endoftext|>'),
    pad_token_id: id('<|endoftext|>'),
  };
  const specialTokens = {
    bos_token: '<s>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    unk_token: '<unk>',
  };
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: maxPositions,
    ...specialTokens,
    padding_side: 'left',
    chat_template: CHAT_TEMPLATE,
    ...(symbols ? { clean_up_tokenization_spaces: false } : {}),
  };
  const specials = [...PHI3_SPECIALS.first, ...PHI3_SPECIALS.last];
  const files = {
    'genai_config.json': JSON.stringify(genaiConfig, null, 2),
    'config.json': JSON.stringify(config, null, 2),
    'special_tokens_map.json': JSON.stringify(specialTokens, null, 2),
    'tokenizer.json': JSON.stringify(wordPieceTokenizer(vocab, specials, false, '<unk>', !symbols), null, 2),
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    [PHI3_MODEL_FILE]: bytes,
  };
  return {
    files,
    modelFile: PHI3_MODEL_FILE,
    vocab,
    eosTokenId: id('<|end|>'),
    ...decoderReference(shape, weights, eosTokenIds, { rotary, logitBias }),
  };
}
