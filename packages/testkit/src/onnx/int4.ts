/** A `[K, N]` weight quantised for ONNX Runtime's `com.microsoft` MatMulNBits (4 bits, symmetric). */
export interface Int4Weight {
  /** uint8 `[N, blocks, blockSize / 2]`: per column, each block's weights two per byte, even k in the low nibble. */
  packed: Uint8Array;
  /** float `[N × blocks]`, one scale per column block. */
  scales: Float32Array;
  blocks: number;
  /** What MatMulNBits computes with: `(q - 8) × scale`, `[K, N]` row-major like the input. */
  dequantized: Float32Array;
}

/**
 * Round-to-nearest 4-bit quantisation of a row-major `[K, N]` weight in blocks of `blockSize` along K,
 * as ONNX Runtime GenAI's int4 RTN export: scale = max|w| / 7, q = round(w / scale) + 8 in 0…15, no
 * zero-points input (so the zero point is 8). A K that is not a multiple of the block is padded with 8s.
 */
export function quantizeInt4(w: Float32Array, K: number, N: number, blockSize = 32): Int4Weight {
  const blocks = Math.ceil(K / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(N * blocks * blob);
  const scales = new Float32Array(N * blocks);
  const dequantized = new Float32Array(K * N);
  for (let n = 0; n < N; n++)
    for (let b = 0; b < blocks; b++) {
      const end = Math.min(K, (b + 1) * blockSize);
      let max = 0;
      for (let k = b * blockSize; k < end; k++) max = Math.max(max, Math.abs(w[k * N + n]!));
      const scale = Math.fround(max / 7);
      scales[n * blocks + b] = scale;
      const base = (n * blocks + b) * blob;
      for (let j = 0; j < blockSize; j++) {
        const k = b * blockSize + j;
        const q = k < K && scale > 0 ? Math.min(15, Math.max(0, Math.round(w[k * N + n]! / scale) + 8)) : 8;
        const at = base + (j >> 1);
        packed[at] = j % 2 === 0 ? q : packed[at]! | (q << 4);
        if (k < K) dequantized[k * N + n] = Math.fround((q - 8) * scale);
      }
    }
  return { packed, scales, blocks, dequantized };
}
