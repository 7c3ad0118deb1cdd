/** One finished candidate: its tokens (prompt included, eos excluded) and its length-penalised score. */
interface Hypothesis {
  tokens: number[];
  score: number;
}

/** Options of a beam search, as `genai_config.json`'s `search` names them. */
export interface BeamOptions {
  batch: number;
  beams: number;
  lengthPenalty: number;
  earlyStopping: boolean;
  returnSequences: number;
  eos: ReadonlySet<number>;
  pad: number;
}

/** What one step chose: for each new row, the row it continues and the token it appends. */
export interface BeamStep {
  sources: number[];
  tokens: number[];
}

/**
 * Beam search bookkeeping in ONNX Runtime GenAI's (and Hugging Face's) way: `beams` running sequences per
 * batch entry, scored by the sum of their token log-probabilities. Each step takes the best `2 × beams`
 * continuations; one ending in eos (among the first `beams`) becomes a finished hypothesis scored
 * `sum / length ** length_penalty`, the rest (best first) become the next beams. An entry is done once it
 * holds `beams` hypotheses and, without `early_stopping`, no running beam can still beat the worst.
 */
export class BeamSearch {
  readonly #options: BeamOptions;
  /** Sum of log-probabilities of each running row (`batch × beams` rows). */
  #scores: Float64Array;
  readonly #hypotheses: Hypothesis[][];
  readonly #done: boolean[];
  #results: number[][] | null = null;

  constructor(options: BeamOptions) {
    this.#options = options;
    const { batch, beams } = options;
    // All beams start as copies of the prompt: only the first may expand, or the first step would pick
    // the same continuation `beams` times.
    this.#scores = Float64Array.from({ length: batch * beams }, (_, row) => (row % beams === 0 ? 0 : -1e9));
    this.#hypotheses = Array.from({ length: batch }, () => []);
    this.#done = Array.from({ length: batch }, () => false);
  }

  /** True when every batch entry is done. */
  get done(): boolean {
    return this.#results !== null || this.#done.every(Boolean);
  }

  /**
   * One step from each row's log-probabilities (already processed: penalties, min_length) and its
   * current tokens.
   */
  step(logProbs: Float32Array[], sequences: number[][]): BeamStep {
    const { batch, beams, eos, pad, earlyStopping, lengthPenalty } = this.#options;
    const sources: number[] = [];
    const tokens: number[] = [];
    const scores = new Float64Array(batch * beams);
    for (let b = 0; b < batch; b++) {
      const first = b * beams;
      if (this.#done[b]) {
        for (let i = 0; i < beams; i++) {
          sources.push(first + i);
          tokens.push(pad);
          scores[first + i] = this.#scores[first + i]!;
        }
        continue;
      }
      const candidates = topCandidates(logProbs, this.#scores, first, beams, 2 * beams);
      let chosen = 0;
      for (const [rank, candidate] of candidates.entries()) {
        if (eos.has(candidate.token)) {
          if (rank < beams) this.#add(b, sequences[candidate.row]!, candidate.score);
          continue;
        }
        sources.push(candidate.row);
        tokens.push(candidate.token);
        scores[first + chosen] = candidate.score;
        if (++chosen === beams) break;
      }
      const length = sequences[first]!.length;
      const hypotheses = this.#hypotheses[b]!;
      if (hypotheses.length >= beams) {
        const best = candidates[0]!.score;
        this.#done[b] = earlyStopping || hypotheses.at(-1)!.score >= best / length ** lengthPenalty;
      }
    }
    this.#scores = scores;
    return { sources, tokens };
  }

  /** True when batch entry `b` has settled (its rows now only carry pads). */
  entryDone(b: number): boolean {
    return this.#done[b]!;
  }

  /** Ends the search (max_length reached or every entry done): running beams join the hypotheses. */
  finish(sequences: number[][]): void {
    if (this.#results) return;
    const { batch, beams, returnSequences } = this.#options;
    for (let b = 0; b < batch; b++)
      if (!this.#done[b])
        for (let i = 0; i < beams; i++) this.#add(b, sequences[b * beams + i]!, this.#scores[b * beams + i]!);
    this.#results = this.#hypotheses.flatMap((list) =>
      list.slice(0, returnSequences).map((hypothesis) => hypothesis.tokens),
    );
  }

  /** The best `num_return_sequences` sequences of each batch entry, best first (after `finish`). */
  get results(): number[][] | null {
    return this.#results;
  }

  /** Adds a hypothesis to entry `b`, keeping the best `beams`, best first. */
  #add(b: number, tokens: number[], sum: number): void {
    const score = sum / tokens.length ** this.#options.lengthPenalty;
    const list = this.#hypotheses[b]!;
    if (list.length >= this.#options.beams && score <= list.at(-1)!.score) return;
    const at = list.findIndex((h) => h.score < score);
    list.splice(at === -1 ? list.length : at, 0, { tokens: [...tokens], score });
    if (list.length > this.#options.beams) list.pop();
  }
}

interface Candidate {
  row: number;
  token: number;
  score: number;
}

/** The `count` best (row, token) continuations of rows `first … first + beams - 1`, best first. */
function topCandidates(
  logProbs: Float32Array[],
  scores: Float64Array,
  first: number,
  beams: number,
  count: number,
): Candidate[] {
  const best: Candidate[] = [];
  for (let row = first; row < first + beams; row++) {
    const base = scores[row]!;
    const values = logProbs[row]!;
    for (let token = 0; token < values.length; token++) {
      const score = base + values[token]!;
      if (best.length === count && score <= best[count - 1]!.score) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.score < score) at--;
      best.splice(at, 0, { row, token, score });
      if (best.length > count) best.pop();
    }
  }
  return best;
}

/** Log-softmax of `logits` in place (−∞ stays −∞). */
export function logSoftmax(logits: Float32Array): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of logits) if (value > max) max = value;
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - max);
  const shift = max + Math.log(sum);
  for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! - shift;
  return logits;
}
