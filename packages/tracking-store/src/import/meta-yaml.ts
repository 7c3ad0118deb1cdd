// A reader for the YAML in MLflow's file store (meta.yaml files, written by PyYAML's `safe_dump` in block
// style). `yaml` is not a dependency of this package, so this covers what PyYAML emits for plain data:
// block mappings and sequences, flow `[]`/`{}`, plain, single- and double-quoted scalars (folded over
// several lines), block scalars, comments, and PyYAML's YAML 1.1 resolution of null, booleans, ints and
// floats, and `? key` for long keys. Anchors, aliases and tags are refused with the line they are on.

import { FlowParser } from './flow-yaml.js';
import { fail, fold, type MetaValue, resolvePlain, unescapeDoubleQuoted } from './yaml-scalars.js';

export type { MetaValue } from './yaml-scalars.js';

const isBlank = (raw: string) => /^[ \t]*(#.*)?$/.test(raw);
const indentOf = (raw: string) => raw.length - raw.trimStart().length;
const isSeqItem = (text: string) => text === '-' || text.startsWith('- ') || text.startsWith('-\t');
const isExplicitKey = (text: string) => text === '?' || text.startsWith('? ') || text.startsWith('?\t');

interface Parsed {
  value: MetaValue;
  /** The line after the node. */
  next: number;
}

class Reader {
  lines: string[];

  constructor(text: string) {
    // YAML 1.1 line breaks: NEL reads as a newline; LS and PS end a line but stay in the text.
    this.lines = text
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?|\x85/g, '\n')
      .replace(/[\u2028\u2029]/g, '$&\n')
      .split('\n');
  }

  /** The next line at or after `i` with content, or the line count. */
  content(i: number): number {
    while (i < this.lines.length && isBlank(this.lines[i]!)) i++;
    return i;
  }

  document(): MetaValue {
    let i = this.content(0);
    if (i < this.lines.length && /^---(?:[ \t]|$)/.test(this.lines[i]!)) {
      if (!isBlank(this.lines[i]!.slice(3))) fail(i, 'content after --- is not supported');
      i = this.content(i + 1);
    }
    // The document ends at `...`; a second `---` would start another, which meta files never hold.
    const end = this.lines.findIndex((line, k) => k >= i && /^(?:\.\.\.|---)(?:[ \t]|$)/.test(line));
    if (end >= 0) {
      if (this.lines[end]!.startsWith('---')) fail(end, 'several YAML documents in one file');
      this.lines = this.lines.slice(0, end);
    }
    if (i >= this.lines.length) return null;
    const { value, next } = this.node(i, indentOf(this.lines[i]!), -1);
    const rest = this.content(next);
    if (rest < this.lines.length) fail(rest, 'unexpected content (bad indentation?)');
    return value;
  }

  /** The node whose first line is `i`, starting at column `col`, inside a block indented `parent`. */
  node(i: number, col: number, parent: number): Parsed {
    const text = this.lines[i]!.slice(col);
    if (isSeqItem(text)) return this.sequence(i, col);
    if (isExplicitKey(text)) return this.mapping(i, col);
    if (this.key(i, col) !== null) return this.mapping(i, col);
    return this.value(i, col, parent);
  }

  /** Splits `key: rest` at column `col` of line `i`; null when the text is not a mapping entry. */
  key(i: number, col: number): { key: string; restCol: number } | null {
    const line = this.lines[i]!;
    const text = line.slice(col);
    if (isExplicitKey(text)) return null;
    if (text[0] === "'" || text[0] === '"') {
      const quoted = this.quoted(i, col);
      if (quoted.endLine !== i) return null;
      const after = line.slice(quoted.endCol);
      const m = /^[ \t]*:(?:[ \t]|$)/.exec(after);
      return m ? { key: String(quoted.value), restCol: quoted.endCol + m[0].length } : null;
    }
    if (/^[[{&*!|>%@`]/.test(text) || text.startsWith('#')) return null;
    const m = /:(?:[ \t]|$)/.exec(text);
    if (!m || /[ \t]#/.test(text.slice(0, m.index))) return null;
    return { key: text.slice(0, m.index).trimEnd(), restCol: col + m.index + m[0].length };
  }

  mapping(start: number, col: number): Parsed {
    const out: Record<string, MetaValue> = {};
    let i = start;
    for (;;) {
      const { key, value, next } = this.entry(i, col);
      // PyYAML keeps the last of repeated keys; so do we. Keys are strings in MLflow's files.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      i = this.content(next);
      if (i >= this.lines.length) break;
      const indent = indentOf(this.lines[i]!);
      if (indent < col) break;
      if (indent > col || isSeqItem(this.lines[i]!.slice(col))) fail(i, 'bad indentation of a mapping entry');
    }
    return { value: out, next: i };
  }

  /** One mapping entry at column `col` of line `i`: `key: value`, or PyYAML's `? key` / `: value` for long keys. */
  entry(i: number, col: number): { key: string; value: MetaValue; next: number } {
    if (!isExplicitKey(this.lines[i]!.slice(col))) {
      const entry = this.key(i, col) ?? fail(i, "expected 'key: value'");
      return { key: entry.key, ...this.afterKey(i, entry.restCol, col) };
    }
    const key = isBlank(this.lines[i]!.slice(col + 1))
      ? { value: null, next: i + 1 }
      : this.value(i, col + 2, col);
    if (key.value !== null && typeof key.value === 'object') fail(i, 'mapping keys must be scalars');
    const j = this.content(key.next);
    const line = this.lines[j] ?? '';
    if (indentOf(line) !== col || !/^:(?:[ \t]|$)/.test(line.slice(col)))
      return { key: String(key.value), value: null, next: j };
    // After `: ` may come a compact mapping or sequence (`: k: v` with more keys below it at that column).
    const rest = line.slice(col + 1);
    const value = isBlank(rest)
      ? this.afterKey(j, col + 1, col)
      : this.node(j, col + 1 + indentOf(rest), col);
    return { key: String(key.value), ...value };
  }

  /** The value after `key:` on line `i` at column `col`, in a mapping indented `indent`. */
  afterKey(i: number, col: number, indent: number): Parsed {
    const rest = this.lines[i]!.slice(col);
    if (isBlank(rest)) {
      const j = this.content(i + 1);
      if (j < this.lines.length) {
        const next = indentOf(this.lines[j]!);
        const text = this.lines[j]!.slice(next);
        if (next > indent) return this.node(j, next, indent);
        // PyYAML writes a mapping's sequence values at the key's own indentation.
        if (next === indent && isSeqItem(text)) return this.sequence(j, next);
      }
      return { value: null, next: i + 1 };
    }
    return this.value(i, col + indentOf(rest), indent);
  }

  sequence(start: number, col: number): Parsed {
    const out: MetaValue[] = [];
    let i = start;
    for (;;) {
      const text = this.lines[i]!.slice(col);
      if (!isSeqItem(text)) fail(i, "expected '- item'");
      const itemCol = col + 1 + indentOf(text.slice(1));
      const item = this.lines[i]!.slice(itemCol);
      let parsed: Parsed;
      if (isBlank(item)) {
        const j = this.content(i + 1);
        parsed =
          j < this.lines.length && indentOf(this.lines[j]!) > col
            ? this.node(j, indentOf(this.lines[j]!), col)
            : { value: null, next: i + 1 };
      } else parsed = this.node(i, itemCol, col);
      out.push(parsed.value);
      i = this.content(parsed.next);
      if (i >= this.lines.length || indentOf(this.lines[i]!) !== col) break;
      if (!isSeqItem(this.lines[i]!.slice(col))) break;
    }
    return { value: out, next: i };
  }

  /** A scalar or flow collection at column `col` of line `i`, continuing on lines indented past `parent`. */
  value(i: number, col: number, parent: number): Parsed {
    const line = this.lines[i]!;
    const text = line.slice(col);
    const first = text[0]!;
    if (first === '&' || first === '*' || first === '!')
      fail(i, 'anchors, aliases and tags are not supported');
    if (first === '|' || first === '>') return this.block(i, text, parent);
    if (first === "'" || first === '"') {
      const q = this.quoted(i, col);
      if (!isBlank(this.lines[q.endLine]!.slice(q.endCol))) fail(q.endLine, 'unexpected text after a string');
      return { value: q.value, next: q.endLine + 1 };
    }
    if (first === '[' || first === '{') return this.flow(i, col);
    if (/^[%@`]/.test(text)) fail(i, `a plain value cannot start with '${first}'`);
    const parts = [text.replace(/[ \t]+#.*$/, '').trim()];
    let j = i + 1;
    let end = i + 1;
    while (j < this.lines.length) {
      const raw = this.lines[j]!;
      if (raw.trim() === '') {
        parts.push('');
        j++;
        continue;
      }
      if (indentOf(raw) <= parent || /^[ \t]*#/.test(raw)) break;
      parts.push(raw.replace(/[ \t]+#.*$/, '').trim());
      end = ++j;
    }
    parts.length -= j - end; // blank lines after the value belong to no one
    // As PyYAML: `: ` ends a plain scalar, and a key is not allowed there ("mapping values are not allowed here").
    const misplaced = parts.findIndex((part) => /:(?:[ \t]|$)/.test(part));
    if (misplaced >= 0) fail(i + misplaced, "a value cannot hold ': ' unless quoted (bad indentation?)");
    return { value: parts.length === 1 ? resolvePlain(parts[0]!) : fold(parts), next: end };
  }

  /** A quoted scalar starting at column `col` of line `i`, possibly over several lines. */
  quoted(i: number, col: number): { value: string; endLine: number; endCol: number } {
    const quote = this.lines[i]![col]!;
    const raw: string[] = [];
    let line = i;
    let k = col + 1;
    let current = '';
    for (;;) {
      const text = this.lines[line]!;
      if (k >= text.length) {
        raw.push(current);
        current = '';
        line++;
        k = 0;
        if (line >= this.lines.length) fail(i, 'unterminated quoted string');
        continue;
      }
      const ch = text[k]!;
      if (quote === '"' && ch === '\\') {
        current += text.slice(k, k + 2);
        k += 2;
        continue;
      }
      if (ch === quote) {
        if (quote === "'" && text[k + 1] === "'") {
          current += "''";
          k += 2;
          continue;
        }
        raw.push(current);
        break;
      }
      current += ch;
      k++;
    }
    const value = quote === "'" ? fold(trimLines(raw)).replaceAll("''", "'") : this.doubleQuoted(raw, i);
    return { value, endLine: line, endCol: k + 1 };
  }

  doubleQuoted(raw: string[], line: number): string {
    const units: string[] = [];
    let joined: string | null = null;
    raw.forEach((part, k) => {
      let text = k > 0 ? part.replace(/^[ \t]+/, '') : part;
      const last = k === raw.length - 1;
      if (!last && /(?:^|[^\\])(?:\\\\)*\\$/.test(text)) {
        // An escaped line break joins the lines without a space.
        joined = (joined ?? '') + text.slice(0, -1);
        return;
      }
      if (!last) {
        const trimmed = text.replace(/[ \t]+$/, '');
        // `\ ` at the end of a line is an escaped space: keep it.
        text = /(?:^|[^\\])(?:\\\\)*\\$/.test(trimmed) && trimmed !== text ? `${trimmed} ` : trimmed;
      }
      units.push((joined ?? '') + text);
      joined = null;
    });
    return unescapeDoubleQuoted(fold(units), line);
  }

  /** A flow collection (`[]`, `{}`, or simple one-line contents). */
  flow(i: number, col: number): Parsed {
    let text = this.lines[i]!.slice(col);
    let line = i;
    let scan = new FlowParser(text, i);
    while (!scan.balanced()) {
      if (++line >= this.lines.length) fail(i, 'unterminated flow collection');
      text += ` ${this.lines[line]!.trim()}`;
      scan = new FlowParser(text, i);
    }
    const value = scan.parse();
    return { value, next: line + 1 };
  }

  /** A `|` or `>` block scalar whose header is `header`, inside a block indented `parent`. */
  block(i: number, header: string, parent: number): Parsed {
    const m = /^([|>])([1-9])?([-+])?([1-9])?[ \t]*(#.*)?$/.exec(header);
    if (!m) return fail(i, 'bad block scalar header');
    const explicit = Number(m[2] ?? m[4] ?? 0);
    const chomp = m[3] ?? '';
    let contentIndent = explicit ? Math.max(parent, 0) + explicit : 0;
    const body: string[] = [];
    let j = i + 1;
    for (; j < this.lines.length; j++) {
      const raw = this.lines[j]!;
      if (raw.trim() === '') {
        body.push('');
        continue;
      }
      const indent = indentOf(raw);
      if (contentIndent === 0) {
        if (indent <= parent) break;
        contentIndent = indent;
      }
      if (indent < contentIndent) break;
      body.push(raw.slice(contentIndent));
    }
    let trailing = 0;
    while (body.length > 0 && body[body.length - 1] === '') {
      body.pop();
      trailing++;
    }
    const next = j - trailing;
    let text = m[1] === '|' ? body.join('\n') : foldBlock(body);
    if (body.length > 0 && chomp !== '-') text += '\n';
    if (chomp === '+') text += '\n'.repeat(trailing);
    return { value: text, next };
  }
}

function trimLines(raw: string[]): string[] {
  return raw.map((part, k) => {
    let text = k > 0 ? part.replace(/^[ \t]+/, '') : part;
    if (k < raw.length - 1) text = text.replace(/[ \t]+$/, '');
    return text;
  });
}

function foldBlock(lines: string[]): string {
  let out = lines[0] ?? '';
  let prev = out;
  for (let k = 1; k < lines.length; k++) {
    let blanks = 0;
    while (lines[k] === '') {
      blanks++;
      k++;
    }
    const line = lines[k]!;
    const literal = /^[ \t]/.test(line) || /^[ \t]/.test(prev);
    out += literal
      ? `\n${'\n'.repeat(blanks)}${line}`
      : blanks === 0
        ? ` ${line}`
        : '\n'.repeat(blanks) + line;
    prev = line;
  }
  return out;
}

/** Parses one meta.yaml document; throws an Error naming the line on anything it cannot read. */
export function parseMetaYaml(text: string): MetaValue {
  return new Reader(text).document();
}
