/** Windowing math for the runs table: which rows and columns are on screen. */

/** The half-open range `[start, end)` of fixed-size items visible in a viewport, widened by `overscan`. */
export function visibleRange(
  scroll: number,
  viewport: number,
  itemSize: number,
  count: number,
  overscan = 5,
): [number, number] {
  if (count === 0) return [0, 0];
  const first = Math.floor(Math.max(0, scroll) / itemSize);
  const last = Math.ceil((Math.max(0, scroll) + viewport) / itemSize);
  return [Math.max(0, first - overscan), Math.min(count, last + overscan)];
}

/** Prefix sums of widths: `offsets[i]` is where item i starts; the last entry is the total. */
export function offsetsOf(widths: readonly number[]): number[] {
  const offsets = new Array<number>(widths.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < widths.length; i++) offsets[i + 1] = offsets[i]! + widths[i]!;
  return offsets;
}

/** The index of the item containing position `x` (binary search over `offsetsOf`). */
export function indexAt(offsets: readonly number[], x: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The half-open range of variable-width columns visible between `left` and `left + viewport`. */
export function visibleColumns(
  offsets: readonly number[],
  left: number,
  viewport: number,
  overscan = 2,
): [number, number] {
  const count = offsets.length - 1;
  if (count <= 0) return [0, 0];
  const first = indexAt(offsets, Math.max(0, left));
  const last = indexAt(offsets, Math.max(0, left + viewport)) + 1;
  return [Math.max(0, first - overscan), Math.min(count, last + overscan)];
}

/**
 * The scroll position that brings item `index` wholly into a viewport of `viewport` starting at `left`
 * (unchanged when it is already in view; its start wins when it is wider than the viewport).
 */
export function scrollToShow(
  offsets: readonly number[],
  index: number,
  left: number,
  viewport: number,
): number {
  const start = offsets[index];
  const end = offsets[index + 1];
  if (start === undefined || end === undefined) return left;
  if (start < left || end - start > viewport) return start;
  if (end > left + viewport) return end - viewport;
  return left;
}
