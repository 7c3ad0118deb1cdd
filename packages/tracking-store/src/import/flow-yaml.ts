import { fail, type MetaValue, resolvePlain, unescapeDoubleQuoted } from './yaml-scalars.js';

/** Flow collections on one logical line: `[a, 'b']`, `{k: v}`, nested. */
export class FlowParser {
  #k = 0;

  constructor(
    readonly text: string,
    readonly line: number,
  ) {}

  balanced(): boolean {
    let depth = 0;
    let quote = '';
    for (let k = 0; k < this.text.length; k++) {
      const ch = this.text[k]!;
      if (quote) {
        if (quote === '"' && ch === '\\') k++;
        else if (ch === quote) quote = '';
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        if (--depth === 0) return true;
      }
    }
    return false;
  }

  parse(): MetaValue {
    const value = this.item();
    this.space();
    if (this.#k < this.text.length && this.text[this.#k] !== '#')
      fail(this.line, 'unexpected text after a flow collection');
    return value;
  }

  space(): void {
    while (this.text[this.#k] === ' ' || this.text[this.#k] === '\t') this.#k++;
  }

  item(): MetaValue {
    this.space();
    const ch = this.text[this.#k];
    if (ch === '[') return this.collection(']');
    if (ch === '{') return this.collection('}');
    if (ch === "'" || ch === '"') return this.quotedItem(ch);
    const m = /^[^,[\]{}]*?(?=\s*(?:[,\]}]|:(?:\s|$)|$))/.exec(this.text.slice(this.#k))!;
    this.#k += m[0].length;
    return resolvePlain(m[0].trim());
  }

  quotedItem(quote: string): string {
    let k = this.#k + 1;
    let raw = '';
    for (; k < this.text.length; k++) {
      const ch = this.text[k]!;
      if (quote === '"' && ch === '\\') {
        raw += this.text.slice(k, k + 2);
        k++;
      } else if (ch === quote && quote === "'" && this.text[k + 1] === "'") {
        raw += "'";
        k++;
      } else if (ch === quote) break;
      else raw += ch;
    }
    this.#k = k + 1;
    return quote === '"' ? unescapeDoubleQuoted(raw, this.line) : raw;
  }

  collection(close: string): MetaValue {
    this.#k++;
    const list: MetaValue[] = [];
    const map: Record<string, MetaValue> = {};
    for (;;) {
      this.space();
      if (this.text[this.#k] === close) {
        this.#k++;
        return close === ']' ? list : map;
      }
      const item = this.item();
      this.space();
      if (this.text[this.#k] === ':') {
        this.#k++;
        const value = this.item();
        if (close === ']') list.push({ [String(item)]: value });
        else map[String(item)] = value;
      } else if (close === ']') list.push(item);
      else map[String(item)] = null;
      this.space();
      if (this.text[this.#k] === ',') this.#k++;
      else if (this.text[this.#k] !== close)
        fail(this.line, `expected ',' or '${close}' in a flow collection`);
    }
  }
}
