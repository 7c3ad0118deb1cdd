import { type CharSet, charsOf } from './charset.js';

/**
 * A grammar expression over characters: what regexes, JSON schemas and Lark grammars all compile to.
 * `ref` calls another rule of the same grammar (recursion); subtrees without refs become DFA terminals.
 */
export type Node =
  | { readonly t: 'set'; readonly set: CharSet }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly items: readonly Node[] }
  | { readonly t: 'rep'; readonly item: Node; readonly min: number; readonly max: number }
  | { readonly t: 'ref'; readonly rule: number };

/** Rules by index; `start` is the whole match. */
export interface Grammar {
  readonly rules: readonly Node[];
  readonly start: number;
}

/** Matches the empty string. */
export const EMPTY: Node = { t: 'seq', items: [] };

/** The characters of `text` in order. */
export function lit(text: string): Node {
  const items = [...text].map((c): Node => ({ t: 'set', set: charsOf(c) }));
  return items.length === 1 ? items[0]! : { t: 'seq', items };
}

/** `items` in order. */
export function seq(...items: Node[]): Node {
  const flat = items.flatMap((n) => (n.t === 'seq' ? n.items : [n]));
  return flat.length === 1 ? flat[0]! : { t: 'seq', items: flat };
}

/** Any one of `items`. */
export function alt(...items: Node[]): Node {
  const flat = items.flatMap((n) => (n.t === 'alt' ? n.items : [n]));
  return flat.length === 1 ? flat[0]! : { t: 'alt', items: flat };
}

/** `item` repeated `min` to `max` times (`max` may be Infinity). */
export function rep(item: Node, min: number, max: number): Node {
  return { t: 'rep', item, min, max };
}

/** `item` or nothing. */
export function opt(item: Node): Node {
  return rep(item, 0, 1);
}

/** Whether `node` calls no rule (so it can be one DFA terminal). */
export function refFree(node: Node): boolean {
  switch (node.t) {
    case 'set':
      return true;
    case 'ref':
      return false;
    case 'rep':
      return refFree(node.item);
    default:
      return node.items.every(refFree);
  }
}
