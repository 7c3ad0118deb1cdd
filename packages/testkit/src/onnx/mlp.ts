import { ElemType, model, node, str, tensor, valueInfo } from './protobuf.js';

/** A seeded generator (mulberry32), so every generated model is the same for the same seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tiny MLP as ONNX bytes, with a reference implementation of its forward pass to check predictions. */
export interface MlpModel {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  inputs: number;
  outputs: number;
  /** The model's output for a batch, computed in JS (float32 rounding aside). */
  reference(batch: number[][]): number[][];
}

/**
 * Generates `output = Gemm(Relu(Gemm(input, W1, b1)), W2, b2)` with a symbolic batch dimension, deterministic
 * from `seed`. Runs in onnxruntime (opset 17).
 */
export function createMlpModel(
  options: { inputs?: number; hidden?: number; outputs?: number; seed?: number } = {},
): MlpModel {
  const { inputs = 4, hidden = 8, outputs = 3, seed = 42 } = options;
  const random = seeded(seed);
  const weights = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  const w1 = weights(inputs * hidden);
  const b1 = weights(hidden);
  const w2 = weights(hidden * outputs);
  const b2 = weights(outputs);
  const bytes = model([
    node('Gemm', ['input', 'w1', 'b1'], ['h'], 'layer1'),
    node('Relu', ['h'], ['r'], 'relu'),
    node('Gemm', ['r', 'w2', 'b2'], ['output'], 'layer2'),
    str(2, 'mlp'),
    ...[
      tensor('w1', [inputs, hidden], w1, ElemType.FLOAT),
      tensor('b1', [hidden], b1, ElemType.FLOAT),
      tensor('w2', [hidden, outputs], w2, ElemType.FLOAT),
      tensor('b2', [outputs], b2, ElemType.FLOAT),
    ].map((t) => new Uint8Array([0x2a, ...lengthPrefix(t)])),
    valueInfo(11, 'input', ElemType.FLOAT, ['batch', inputs]),
    valueInfo(12, 'output', ElemType.FLOAT, ['batch', outputs]),
  ]);
  const reference = (batch: number[][]) =>
    batch.map((x) => {
      const h = Array.from({ length: hidden }, (_, j) =>
        Math.max(
          0,
          x.reduce((s, xi, i) => s + xi * w1[i * hidden + j]!, b1[j]!),
        ),
      );
      return Array.from({ length: outputs }, (_, k) =>
        h.reduce((s, hj, j) => s + hj * w2[j * outputs + k]!, b2[k]!),
      );
    });
  return { bytes, inputName: 'input', outputName: 'output', inputs, outputs, reference };
}

function lengthPrefix(t: Uint8Array): number[] {
  const out: number[] = [];
  let n = t.length;
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return [...out, ...t];
}
