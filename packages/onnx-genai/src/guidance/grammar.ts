import { GenaiError } from '../errors.js';
import { LazyDfa } from './dfa.js';
import { type Grammar, type Node, refFree } from './node.js';

/** Deepest rule nesting followed; deeper paths (runaway left recursion, absurd nesting) are dropped. */
const MAX_DEPTH = 200;
/** Interned states kept before the table is reset (states in use stay valid: they are plain objects). */
const MAX_STATES = 100_000;

interface RuleNfa {
  terms: { term: number; to: number }[][];
  calls: { rule: number; to: number }[][];
  eps: number[][];
  start: number;
  accept: number;
}

/** One path through the grammar: the top rule's position (maybe inside a terminal), and where to return. */
class Frame {
  readonly key: string;
  readonly depth: number;
  constructor(
    readonly rule: number,
    readonly q: number,
    readonly term: number,
    readonly d: number,
    readonly parent: Frame | null,
  ) {
    this.key = `${rule}.${q}.${term}.${d};${parent ? parent.key : ''}`;
    this.depth = parent ? parent.depth + 1 : 0;
  }
}

/**
 * Where a recognizer stands: every live path (each waiting inside a terminal) and whether the text so far
 * is a whole match. States are interned, so equal states are one object and `moves`/`mask` caches work.
 */
export interface MatchState {
  readonly key: string;
  readonly complete: boolean;
  /** @internal */
  readonly frames: readonly Frame[];
  /** @internal cached steps by code point */
  readonly moves: Map<number, MatchState | null>;
  /** @internal the token mask of this state, once computed */
  mask?: Uint32Array;
}

/**
 * A character-level recognizer for a grammar whose rules are regular expressions over characters and
 * calls of other rules: a recursive transition network run on every path at once (GLL-style, without
 * sharing stacks). Each maximal call-free part of a rule is one lazily built DFA terminal.
 */
export class GrammarEngine {
  readonly #rules: RuleNfa[] = [];
  readonly #terms: LazyDfa[] = [];
  readonly #termIds = new Map<string, number>();
  #states = new Map<string, MatchState>();
  readonly #initial: MatchState;
  #started = false;

  constructor(grammar: Grammar) {
    for (const node of grammar.rules) this.#rules.push(this.#compileRule(node));
    const start = this.#rules[grammar.start];
    if (!start) throw new GenaiError('INVALID_ARGUMENT', 'Guidance grammar has no start rule.');
    const initial = this.#closure([new Frame(grammar.start, start.start, -1, 0, null)]);
    if (!initial) throw new GenaiError('INVALID_ARGUMENT', 'Guidance grammar matches nothing.');
    this.#initial = initial;
    this.#started = true;
  }

  /**
   * Forgets every interned state but the initial one (their cached steps and masks), bounding memory;
   * states already handed out keep working, they are only no longer shared with new ones.
   */
  reset(): void {
    this.#states = new Map([[this.#initial.key, this.#initial]]);
    this.#initial.moves.clear();
  }

  /** The state before any text. */
  get initial(): MatchState {
    return this.#initial;
  }

  /** The state after one more code point, or null when the text can no longer match. */
  step(state: MatchState, cp: number): MatchState | null {
    const known = state.moves.get(cp);
    if (known !== undefined) return known;
    const seeds: Frame[] = [];
    for (const f of state.frames) {
      const d = this.#terms[f.term]!.step(f.d, cp);
      if (d >= 0) seeds.push(new Frame(f.rule, f.q, f.term, d, f.parent));
    }
    const next = seeds.length === 0 ? null : this.#closure(seeds);
    state.moves.set(cp, next);
    return next;
  }

  /** The state after `text`, or null. */
  walk(state: MatchState | null, text: string): MatchState | null {
    for (const c of text) {
      if (!state) return null;
      state = this.step(state, c.codePointAt(0)!);
    }
    return state;
  }

  #closure(seeds: Frame[]): MatchState | null {
    const seen = new Set<string>();
    const live = new Map<string, Frame>();
    let complete = false;
    const work = [...seeds];
    while (work.length > 0) {
      const f = work.pop()!;
      if (seen.has(f.key) || f.depth > MAX_DEPTH) continue;
      seen.add(f.key);
      if (f.term >= 0) {
        live.set(f.key, f);
        if (this.#terms[f.term]!.accepting(f.d)) work.push(new Frame(f.rule, f.q, -1, 0, f.parent));
        continue;
      }
      const rule = this.#rules[f.rule]!;
      if (f.q === rule.accept) {
        if (f.parent) work.push(f.parent);
        else complete = true;
      }
      for (const to of rule.eps[f.q]!) work.push(new Frame(f.rule, to, -1, 0, f.parent));
      for (const e of rule.terms[f.q]!) work.push(new Frame(f.rule, e.to, e.term, 0, f.parent));
      for (const e of rule.calls[f.q]!) {
        const ret = new Frame(f.rule, e.to, -1, 0, f.parent);
        work.push(new Frame(e.rule, this.#rules[e.rule]?.start ?? 0, -1, 0, ret));
      }
    }
    if (live.size === 0 && !complete) return null;
    const key = `${[...live.keys()].sort().join('\n')}${complete ? '!' : ''}`;
    const known = this.#states.get(key);
    if (known) return known;
    if (this.#states.size >= MAX_STATES) {
      if (this.#started) this.reset();
      else this.#states = new Map();
    }
    const state: MatchState = { key, complete, frames: [...live.values()], moves: new Map() };
    this.#states.set(key, state);
    return state;
  }

  #term(node: Node): number {
    const key = JSON.stringify(node);
    let id = this.#termIds.get(key);
    if (id === undefined) {
      id = this.#terms.length;
      this.#terms.push(new LazyDfa(node));
      this.#termIds.set(key, id);
    }
    return id;
  }

  #compileRule(root: Node): RuleNfa {
    const nfa: RuleNfa = { terms: [], calls: [], eps: [], start: 0, accept: 0 };
    const state = () => {
      nfa.terms.push([]);
      nfa.calls.push([]);
      nfa.eps.push([]);
      return nfa.eps.length - 1;
    };
    const build = (node: Node, from: number): number => {
      if (refFree(node)) {
        const to = state();
        nfa.terms[from]!.push({ term: this.#term(node), to });
        return to;
      }
      switch (node.t) {
        case 'ref': {
          const to = state();
          nfa.calls[from]!.push({ rule: node.rule, to });
          return to;
        }
        case 'seq': {
          // Runs of call-free items make one terminal, so a path holds fewer frames.
          let at = from;
          let run: Node[] = [];
          const flush = () => {
            if (run.length > 0) at = build(run.length === 1 ? run[0]! : { t: 'seq', items: run }, at);
            run = [];
          };
          for (const item of node.items) {
            if (refFree(item)) run.push(item);
            else {
              flush();
              at = build(item, at);
            }
          }
          flush();
          return at;
        }
        case 'alt': {
          const end = state();
          for (const item of node.items) nfa.eps[build(item, from)]!.push(end);
          return end;
        }
        case 'rep': {
          let at = from;
          for (let k = 0; k < node.min; k++) at = build(node.item, at);
          if (node.max === Number.POSITIVE_INFINITY) {
            const loop = state();
            nfa.eps[at]!.push(loop);
            nfa.eps[build(node.item, loop)]!.push(loop);
            return loop;
          }
          const end = state();
          nfa.eps[at]!.push(end);
          for (let k = node.min; k < node.max; k++) {
            at = build(node.item, at);
            nfa.eps[at]!.push(end);
          }
          return end;
        }
        default:
          throw new Error('unreachable');
      }
    };
    nfa.start = state();
    nfa.accept = build(root, nfa.start);
    return nfa;
  }
}
