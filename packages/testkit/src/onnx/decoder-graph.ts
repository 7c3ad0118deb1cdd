import type { DecoderShape, DecoderWeights } from './decoder-model.js';
import type { Int4Weight } from './int4.js';
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

/** MatMulNBits settings for a graph whose projections are int4. */
export interface Int4Projections {
  /** Quantised weights by their dequantised array (the one the JS reference multiplies with). */
  weights: Map<Float32Array, Int4Weight>;
  accuracyLevel: number;
}

/**
 * Nodes and initializers of a decoder graph, collected in order, with the parts both layouts share:
 * projections (MatMul, or MatMulNBits when `int4` is given), RMSNorm, the MLP, the layer loop and the
 * LM head.
 */
export class DecoderGraph {
  readonly nodes: Uint8Array[] = [];
  readonly initializers: Uint8Array[] = [];
  readonly #int4: Int4Projections | undefined;
  #hasEps = false;

  constructor(int4?: Int4Projections) {
    this.#int4 = int4;
  }

  /** Adds a node of the default domain. */
  add(op: string, inputs: string[], outputs: string[], name: string, attributes: Uint8Array[] = []): void {
    this.nodes.push(node(op, inputs, outputs, name, attributes));
  }

  /** Adds a node of ONNX Runtime's `com.microsoft` domain. */
  addContrib(op: string, inputs: string[], outputs: string[], name: string, attributes: Uint8Array[]): void {
    this.nodes.push(node(op, inputs, outputs, name, attributes, 'com.microsoft'));
  }

  /** Adds a float initializer. */
  f32(name: string, dims: number[], values: Float32Array): void {
    this.initializers.push(msg(5, tensor(name, dims, values, ElemType.FLOAT)));
  }

  /** Adds an int64 initializer. */
  i64(name: string, dims: number[], values: number[]): void {
    this.initializers.push(
      msg(5, tensor(name, dims, BigInt64Array.from(values.map(BigInt)), ElemType.INT64)),
    );
  }

  /** `output = input · w` for a `[K, N]` weight named `weight`: MatMul, or MatMulNBits (4 bits, block 32). */
  project(
    input: string,
    weight: string,
    w: Float32Array,
    K: number,
    N: number,
    output: string,
    name: string,
  ): void {
    const q = this.#int4?.weights.get(w);
    if (!q) {
      this.add('MatMul', [input, weight], [output], name);
      this.f32(weight, [K, N], w);
      return;
    }
    this.addContrib('MatMulNBits', [input, `${weight}_q4`, `${weight}_scales`], [output], name, [
      intAttribute('K', K),
      intAttribute('N', N),
      intAttribute('bits', 4),
      intAttribute('block_size', 32),
      intAttribute('accuracy_level', this.#int4!.accuracyLevel),
    ]);
    this.initializers.push(msg(5, tensor(`${weight}_q4`, [N, q.blocks, 16], q.packed, ElemType.UINT8)));
    this.f32(`${weight}_scales`, [N * q.blocks], q.scales);
  }

  /** RMSNorm of `input` (Mul, ReduceMean, Add ε, Sqrt, Div, Mul weight); the input itself without a weight. */
  rmsNorm(input: string, name: string, weight: Float32Array | undefined): string {
    if (!weight) return input;
    if (!this.#hasEps) this.f32('rms_eps', [], Float32Array.of(1e-5));
    this.#hasEps = true;
    this.add('Mul', [input, input], [`${name}_sq`], `${name}_square`);
    this.add('ReduceMean', [`${name}_sq`], [`${name}_ms`], `${name}_mean`, [intsAttribute('axes', [-1])]);
    this.add('Add', [`${name}_ms`, 'rms_eps'], [`${name}_mse`], `${name}_eps`);
    this.add('Sqrt', [`${name}_mse`], [`${name}_rms`], `${name}_sqrt`);
    this.add('Div', [input, `${name}_rms`], [`${name}_unit`], `${name}_div`);
    this.add('Mul', [`${name}_unit`, `w_${name}`], [name], `${name}_scale`);
    this.f32(`w_${name}`, [weight.length], weight);
    return name;
  }

  /**
   * The residual stream through every layer: norm → `attention` (returns its output after the out
   * projection) → residual add, then norm → MLP → residual add where the layer has an MLP. `prefix(l)`
   * names the layer's tensors. Returns the stream's last name.
   */
  layers(
    shape: DecoderShape,
    weights: DecoderWeights,
    input: string,
    prefix: (layer: number) => string,
    attention: (layer: number, input: string, prefix: string) => string,
  ): string {
    let stream = input;
    weights.layers.forEach((w, l) => {
      const p = prefix(l);
      const attnOut = attention(l, this.rmsNorm(stream, `${p}attn_norm`, w.attnNorm), p);
      this.add('Add', [stream, attnOut], [`${p}h`], `${p}residual`);
      stream = `${p}h`;
      if (!w.up || !w.down) return;
      const normed = this.rmsNorm(stream, `${p}mlp_norm`, w.mlpNorm);
      this.project(normed, `${p}w_up`, w.up, shape.hidden, shape.intermediate, `${p}up`, `${p}mlp_up`);
      this.add('Sigmoid', [`${p}up`], [`${p}gate`], `${p}mlp_sigmoid`);
      this.add('Mul', [`${p}up`, `${p}gate`], [`${p}act`], `${p}mlp_silu`);
      this.project(
        `${p}act`,
        `${p}w_down`,
        w.down,
        shape.intermediate,
        shape.hidden,
        `${p}down`,
        `${p}mlp_down`,
      );
      this.add('Add', [stream, `${p}down`], [`${p}h_mlp`], `${p}mlp_residual`);
      stream = `${p}h_mlp`;
    });
    return stream;
  }

  /** Final norm and LM head into `logits`; with `bias`, `logits = input · W + bias`. */
  lmHead(shape: DecoderShape, weights: DecoderWeights, input: string, bias?: Float32Array): void {
    const normed = this.rmsNorm(input, 'final_norm', weights.finalNorm);
    const out = bias ? 'logits_raw' : 'logits';
    this.project(normed, 'w_lm', weights.lm, shape.hidden, shape.vocabSize, out, 'lm_head');
    if (!bias) return;
    this.add('Add', [out, 'logit_bias'], ['logits'], 'logit_bias');
    this.f32('logit_bias', [shape.vocabSize], bias);
  }

  /** The model's bytes: nodes, graph name, initializers, then `io` (inputs and outputs). */
  toModel(graphName: string, io: Uint8Array[], domains: Record<string, number> = {}): Uint8Array {
    return model([...this.nodes, str(2, graphName), ...this.initializers, ...io], 17, domains);
  }
}

/** A decoder's inputs and outputs, Optimum's names and dims; KV `[batch_size, kvHeads, seq, headSize]`. */
export function decoderIo(shape: DecoderShape, positionIds: boolean): Uint8Array[] {
  const ids = ['batch_size', 'sequence_length'];
  const kv = (field: number, prefix: string, seq: string) =>
    Array.from({ length: shape.layers }, (_, l) =>
      ['key', 'value'].map((kind) =>
        valueInfo(field, `${prefix}.${l}.${kind}`, ElemType.FLOAT, [
          'batch_size',
          shape.kvHeads,
          seq,
          shape.headSize,
        ]),
      ),
    ).flat();
  return [
    valueInfo(11, 'input_ids', ElemType.INT64, ids),
    valueInfo(11, 'attention_mask', ElemType.INT64, ['batch_size', 'total_sequence_length']),
    ...(positionIds ? [valueInfo(11, 'position_ids', ElemType.INT64, ids)] : []),
    ...kv(11, 'past_key_values', 'past_sequence_length'),
    valueInfo(12, 'logits', ElemType.FLOAT, [...ids, shape.vocabSize]),
    ...kv(12, 'present', 'total_sequence_length'),
  ];
}

/** genai_config's decoder `inputs` and `outputs` (Optimum's tensor names). */
export function genaiTensorNames(positionIds: boolean): { inputs: object; outputs: object } {
  return {
    inputs: {
      input_ids: 'input_ids',
      attention_mask: 'attention_mask',
      ...(positionIds ? { position_ids: 'position_ids' } : {}),
      past_key_names: 'past_key_values.%d.key',
      past_value_names: 'past_key_values.%d.value',
    },
    outputs: {
      logits: 'logits',
      present_key_names: 'present.%d.key',
      present_value_names: 'present.%d.value',
    },
  };
}
