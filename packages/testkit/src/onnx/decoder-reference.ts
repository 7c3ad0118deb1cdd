import type { DecoderShape, DecoderWeights } from './decoder-model.js';

/** Rotary embedding tables `[maxPositions, headSize / 2]`: cos and sin of p·θ^(-2i/headSize), θ = 10000. */
export interface RotaryCache {
  cos: Float32Array;
  sin: Float32Array;
}

/** The cos/sin caches GroupQueryAttention takes with `do_rotary=1`. */
export function rotaryCache(maxPositions: number, headSize: number, theta = 10000): RotaryCache {
  const half = headSize / 2;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++)
    for (let i = 0; i < half; i++) {
      const angle = p * theta ** ((-2 * i) / headSize);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  return { cos, sin };
}

const matvec = (x: number[], w: Float32Array, cols: number) =>
  Array.from({ length: cols }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i * cols + j]!, 0));

const rmsNorm = (x: number[], weight: Float32Array | undefined) => {
  if (!weight) return x;
  const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-5);
  return x.map((v, j) => (v / rms) * weight[j]!);
};

/** Rotates each head's halves (GroupQueryAttention's non-interleaved rotary) at position `p`. */
function rotate(x: number[], p: number, headSize: number, cache: RotaryCache): number[] {
  const half = headSize / 2;
  const out = [...x];
  for (let h = 0; h < x.length / headSize; h++)
    for (let i = 0; i < half; i++) {
      const [a, b] = [x[h * headSize + i]!, x[h * headSize + half + i]!];
      const [c, s] = [cache.cos[p * half + i]!, cache.sin[p * half + i]!];
      out[h * headSize + i] = a * c - b * s;
      out[h * headSize + half + i] = b * c + a * s;
    }
  return out;
}

/** What the reference needs beyond the weights: rotary tables (phi3) and a bias on the logits. */
export interface ReferenceExtras {
  rotary?: RotaryCache;
  logitBias?: Float32Array;
}

/**
 * Logits of the last position of `ids` by a full causal forward pass in float64 JS, no cache: embedding
 * (+ learned position), per layer pre-norm attention with grouped heads and residual, then the MLP with
 * residual, final norm and LM head.
 */
export function referenceLogits(
  shape: DecoderShape,
  w: DecoderWeights,
  ids: number[],
  extras: ReferenceExtras = {},
): number[] {
  const { hidden, heads, kvHeads, headSize: D } = shape;
  let xs = ids.map((id, p) =>
    Array.from({ length: hidden }, (_, j) => w.tok[id * hidden + j]! + (w.pos ? w.pos[p * hidden + j]! : 0)),
  );
  w.layers.forEach((layer, l) => {
    const normed = xs.map((x) => rmsNorm(x, layer.attnNorm));
    let qs = normed.map((x) => matvec(x, layer.q, heads * D));
    let ks = normed.map((x) => matvec(x, layer.k, kvHeads * D));
    const vs = normed.map((x) => matvec(x, layer.v, kvHeads * D));
    const { rotary } = extras;
    if (rotary) {
      qs = qs.map((q, p) => rotate(q, p, D, rotary));
      ks = ks.map((k, p) => rotate(k, p, D, rotary));
    }
    // The last layer only needs the last position.
    const targets = l === w.layers.length - 1 ? [ids.length - 1] : ids.map((_, t) => t);
    xs = targets.map((t) => {
      const attn: number[] = [];
      for (let h = 0; h < heads; h++) {
        const kv = Math.floor(h / (heads / kvHeads));
        const q = qs[t]!.slice(h * D, (h + 1) * D);
        const scores = ks
          .slice(0, t + 1)
          .map((k) => k.slice(kv * D, (kv + 1) * D).reduce((s, kj, j) => s + kj * q[j]!, 0) / Math.sqrt(D));
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let d = 0; d < D; d++)
          attn.push(exps.reduce((s, e, u) => s + (e / total) * vs[u]![kv * D + d]!, 0));
      }
      const out = matvec(attn, layer.o, hidden);
      const h = xs[t]!.map((x, j) => x + out[j]!);
      if (!layer.up || !layer.down) return h;
      const up = matvec(rmsNorm(h, layer.mlpNorm), layer.up, shape.intermediate);
      const down = matvec(
        up.map((u) => u / (1 + Math.exp(-u))),
        layer.down,
        hidden,
      );
      return h.map((x, j) => x + down[j]!);
    });
  });
  const logits = matvec(rmsNorm(xs.at(-1)!, w.finalNorm), w.lm, shape.vocabSize);
  const bias = extras.logitBias;
  return bias ? logits.map((v, i) => v + bias[i]!) : logits;
}

/** Greedy decoding with `logitsOf` recomputed over the whole sequence each step; stops after an eos id. */
export function greedyDecode(
  logitsOf: (ids: number[]) => number[],
  eosTokenIds: number[],
  prompt: number[],
  maxNewTokens: number,
): number[] {
  const ids = [...prompt];
  const generated: number[] = [];
  while (generated.length < maxNewTokens) {
    const logits = logitsOf(ids);
    let next = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[next]!) next = i;
    generated.push(next);
    ids.push(next);
    if (eosTokenIds.includes(next)) break;
  }
  return generated;
}
