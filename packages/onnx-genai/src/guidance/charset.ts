/** A set of code points as sorted, disjoint, non-adjacent inclusive ranges `[lo0, hi0, lo1, hi1, …]`. */
export type CharSet = readonly number[];

/** The largest code point. */
export const MAX_CODE_POINT = 0x10ffff;

/** A set from unsorted, possibly overlapping ranges. */
export function charSet(ranges: readonly (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of sorted) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** The set of the code points of `text`. */
export function charsOf(text: string): CharSet {
  return charSet([...text].map((c) => [c.codePointAt(0)!, c.codePointAt(0)!] as const));
}

/** Whether `cp` is in `set` (binary search over the ranges). */
export function hasChar(set: CharSet, cp: number): boolean {
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < set[2 * mid]!) hi = mid - 1;
    else if (cp > set[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Every code point not in `set`. */
export function complement(set: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

/** Code points in both sets. */
export function intersect(a: CharSet, b: CharSet): CharSet {
  const out: [number, number][] = [];
  for (let i = 0; i < a.length; i += 2)
    for (let j = 0; j < b.length; j += 2) {
      const lo = Math.max(a[i]!, b[j]!);
      const hi = Math.min(a[i + 1]!, b[j + 1]!);
      if (lo <= hi) out.push([lo, hi]);
    }
  return charSet(out);
}

/** Code points in either set. */
export function union(a: CharSet, b: CharSet): CharSet {
  const ranges: [number, number][] = [];
  for (const s of [a, b]) for (let i = 0; i < s.length; i += 2) ranges.push([s[i]!, s[i + 1]!]);
  return charSet(ranges);
}

const range = (a: string, b: string): [number, number] => [a.codePointAt(0)!, b.codePointAt(0)!];
/** `\d`. */
export const DIGIT: CharSet = charSet([range('0', '9')]);
/** `\w`. */
export const WORD: CharSet = charSet([range('0', '9'), range('a', 'z'), range('A', 'Z'), range('_', '_')]);
/** `\s`, as JavaScript's (ASCII whitespace and the Unicode spaces). */
export const SPACE: CharSet = charSet([
  [9, 13],
  [32, 32],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);
/** `.`: anything but line terminators, as JavaScript's without the `s` flag. */
export const DOT: CharSet = complement(
  charSet([
    [10, 10],
    [13, 13],
    [0x2028, 0x2029],
  ]),
);
