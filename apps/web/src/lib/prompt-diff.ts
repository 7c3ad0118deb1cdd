/** A line diff of two prompt templates, for the prompt page's version diff. */

/** One line of a diff: in both versions, only in the new one, or only in the old one. */
export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
  /** The line's number in the old version (1-based), when it is there. */
  oldLine?: number;
  /** The line's number in the new version (1-based), when it is there. */
  newLine?: number;
}

/** Past this many cells (old × new lines, after the common ends) the diff stops looking for moved lines. */
const MAX_CELLS = 4_000_000;

/**
 * The lines of `newer` against `older` by a longest common subsequence: lines common to both in order are
 * `same`, the rest `removed` (old only) or `added` (new only), removals before additions where they meet.
 * Common leading and trailing lines are matched first, so a small edit to a long template stays cheap.
 */
export function diffLines(older: readonly string[], newer: readonly string[]): DiffLine[] {
  let head = 0;
  while (head < older.length && head < newer.length && older[head] === newer[head]) head++;
  let tail = 0;
  while (
    tail < older.length - head &&
    tail < newer.length - head &&
    older[older.length - 1 - tail] === newer[newer.length - 1 - tail]
  )
    tail++;
  const a = older.slice(head, older.length - tail);
  const b = newer.slice(head, newer.length - tail);
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: older[i]!, oldLine: i + 1, newLine: i + 1 });
  for (const step of middle(a, b)) {
    if (step.kind === 'same')
      out.push({ ...step, oldLine: head + step.oldLine!, newLine: head + step.newLine! });
    else if (step.kind === 'removed') out.push({ ...step, oldLine: head + step.oldLine! });
    else out.push({ ...step, newLine: head + step.newLine! });
  }
  for (let i = tail; i > 0; i--) {
    const oldIndex = older.length - i;
    const newIndex = newer.length - i;
    out.push({ kind: 'same', text: older[oldIndex]!, oldLine: oldIndex + 1, newLine: newIndex + 1 });
  }
  return out;
}

/** The LCS diff of two line lists (numbers 1-based within them). */
function middle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    // Too big to match line by line: everything old is removed, everything new added.
    return [
      ...a.map((text, i): DiffLine => ({ kind: 'removed', text, oldLine: i + 1 })),
      ...b.map((text, j): DiffLine => ({ kind: 'added', text, newLine: j + 1 })),
    ];
  }
  // lcs[i * (m + 1) + j] = the LCS length of a[i..] and b[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
      out.push({ kind: 'removed', text: a[i]!, oldLine: i + 1 });
      i++;
    } else {
      out.push({ kind: 'added', text: b[j]!, newLine: j + 1 });
      j++;
    }
  }
  return out;
}

/** How many lines a diff adds and removes. */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'added') added++;
    else if (line.kind === 'removed') removed++;
  }
  return { added, removed };
}
