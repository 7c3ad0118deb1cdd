import { GenaiError } from '../errors.js';
import { type CharSet, hasChar } from './charset.js';
import type { Node } from './node.js';

/** Largest expansion of one bounded repetition, so `{1,100000}` fails fast instead of filling memory. */
const MAX_NFA_STATES = 200_000;

/** A Thompson NFA over character sets: `edges[q]` char moves, `eps[q]` empty moves; `accept` is one state. */
interface Nfa {
  edges: { set: CharSet; to: number }[][];
  eps: number[][];
  start: number;
  accept: number;
}

function buildNfa(root: Node): Nfa {
  const edges: { set: CharSet; to: number }[][] = [];
  const eps: number[][] = [];
  const state = () => {
    if (edges.length >= MAX_NFA_STATES)
      throw new GenaiError('INVALID_ARGUMENT', 'Guidance pattern is too large (repetition counts too high).');
    edges.push([]);
    eps.push([]);
    return edges.length - 1;
  };
  // Builds `node` from `from`; returns its end state.
  const build = (node: Node, from: number): number => {
    switch (node.t) {
      case 'set': {
        const to = state();
        edges[from]!.push({ set: node.set, to });
        return to;
      }
      case 'seq':
        return node.items.reduce((at, item) => build(item, at), from);
      case 'alt': {
        const end = state();
        for (const item of node.items) eps[build(item, from)]!.push(end);
        return end;
      }
      case 'rep': {
        let at = from;
        for (let k = 0; k < node.min; k++) at = build(node.item, at);
        if (node.max === Number.POSITIVE_INFINITY) {
          const loop = state();
          eps[at]!.push(loop);
          eps[build(node.item, loop)]!.push(loop);
          return loop;
        }
        const end = state();
        eps[at]!.push(end);
        for (let k = node.min; k < node.max; k++) {
          at = build(node.item, at);
          eps[at]!.push(end);
        }
        return end;
      }
      case 'ref':
        throw new Error('A DFA terminal cannot call a rule.');
    }
  };
  const start = state();
  const accept = build(root, start);
  return { edges, eps, start, accept };
}

/**
 * A DFA built lazily from a ref-free node by subset construction: states are numbered as first reached,
 * each step is computed once per (state, character) and cached. State 0 is the start; -1 is dead.
 */
export class LazyDfa {
  readonly #nfa: Nfa;
  readonly #sets: number[][] = [];
  readonly #ids = new Map<string, number>();
  readonly #moves: Map<number, number>[] = [];
  readonly #accepting: boolean[] = [];

  constructor(node: Node) {
    this.#nfa = buildNfa(node);
    this.#intern([this.#nfa.start]);
  }

  /** Whether `state` has matched a whole string. */
  accepting(state: number): boolean {
    return this.#accepting[state]!;
  }

  /** The state after `cp`, or -1 when no string continues this way. */
  step(state: number, cp: number): number {
    const moves = this.#moves[state]!;
    const known = moves.get(cp);
    if (known !== undefined) return known;
    const next: number[] = [];
    for (const q of this.#sets[state]!)
      for (const e of this.#nfa.edges[q]!) if (hasChar(e.set, cp)) next.push(e.to);
    const id = next.length === 0 ? -1 : this.#intern(next);
    moves.set(cp, id);
    return id;
  }

  #intern(seeds: number[]): number {
    const seen = new Set<number>();
    const stack = [...seeds];
    while (stack.length > 0) {
      const q = stack.pop()!;
      if (seen.has(q)) continue;
      seen.add(q);
      for (const r of this.#nfa.eps[q]!) stack.push(r);
    }
    // Only states with char moves (or the accept state) tell DFA states apart.
    const set = [...seen]
      .filter((q) => q === this.#nfa.accept || this.#nfa.edges[q]!.length > 0)
      .sort((a, b) => a - b);
    const key = set.join(',');
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#sets.length;
      this.#ids.set(key, id);
      this.#sets.push(set);
      this.#moves.push(new Map());
      this.#accepting.push(seen.has(this.#nfa.accept));
    }
    return id;
  }
}
