import type { GrammarEngine, MatchState } from './grammar.js';

/** A trie of token texts by code point; `ids` are the tokens whose text ends at this node. */
export interface TrieNode {
  readonly children: Map<number, TrieNode>;
  readonly ids: number[];
}

/** The trie of every non-empty token text (empty texts are special tokens, never allowed). */
export function buildTrie(tokens: readonly string[]): TrieNode {
  const root: TrieNode = { children: new Map(), ids: [] };
  tokens.forEach((text, id) => {
    if (text === '') return;
    let node = root;
    for (const c of text) {
      const cp = c.codePointAt(0)!;
      let child = node.children.get(cp);
      if (!child) {
        child = { children: new Map(), ids: [] };
        node.children.set(cp, child);
      }
      node = child;
    }
    node.ids.push(id);
  });
  return root;
}

/**
 * The tokens allowed from `state` as a bitset over ids: those whose whole text keeps the output a live
 * prefix, found by walking the trie and pruning a branch as soon as its characters lead nowhere. Steps
 * are cached per interned state, so most of the walk is map lookups.
 */
export function tokenMask(
  engine: GrammarEngine,
  state: MatchState,
  root: TrieNode,
  size: number,
): Uint32Array {
  const bits = new Uint32Array(Math.ceil(size / 32));
  const walk = (node: TrieNode, at: MatchState) => {
    for (const [cp, child] of node.children) {
      const next = engine.step(at, cp);
      if (!next) continue;
      for (const id of child.ids) bits[id >>> 5]! |= 1 << (id & 31);
      if (child.children.size > 0) walk(child, next);
    }
  };
  walk(root, state);
  return bits;
}

/** Whether bit `id` is set. */
export function hasBit(bits: Uint32Array, id: number): boolean {
  return ((bits[id >>> 5]! >>> (id & 31)) & 1) === 1;
}
