import { describe, expect, it } from 'vitest';
import { buildSpanTree, type SpanView } from '../src/lib/trace-spans.js';
import { axisTicks, barOf, formatNanos, layoutWaterfall, traceWindow } from '../src/lib/trace-waterfall.js';

function span(spanId: string, startNs: bigint, endNs?: bigint, parentId?: string): SpanView {
  return {
    spanId,
    parentId,
    name: spanId,
    type: 'CHAIN',
    status: 'OK',
    startNs,
    endNs,
    attributes: {},
    events: [],
  };
}

describe('waterfall layout', () => {
  it('places bars by start and end relative to the trace start', () => {
    const spans = [
      span('root', 1_000n, 2_000n),
      span('a', 1_250n, 1_500n, 'root'),
      span('b', 1_500n, 2_000n, 'root'),
    ];
    const window = traceWindow(spans)!;
    expect(window).toEqual({ startNs: 1_000n, endNs: 2_000n });
    expect(barOf(spans[0]!, window)).toEqual({ left: 0, width: 100, offsetNs: 0, durationNs: 1_000 });
    expect(barOf(spans[1]!, window)).toEqual({ left: 25, width: 25, offsetNs: 250, durationNs: 250 });
    expect(barOf(spans[2]!, window)).toEqual({ left: 50, width: 50, offsetNs: 500, durationNs: 500 });
    expect(layoutWaterfall(buildSpanTree(spans)).map((b) => [b.left, b.width])).toEqual([
      [0, 100],
      [25, 25],
      [50, 50],
    ]);
  });

  it('keeps nanosecond precision for real Unix times (beyond 2^53)', () => {
    const t0 = 1_750_000_000_123_456_789n;
    const spans = [span('root', t0, t0 + 1_000n), span('a', t0 + 1n, t0 + 3n)];
    const bar = barOf(spans[1]!, traceWindow(spans)!, 0);
    expect(bar.offsetNs).toBe(1);
    expect(bar.durationNs).toBe(2);
    expect(bar.left).toBeCloseTo(0.1);
    expect(bar.width).toBeCloseTo(0.2);
  });

  it('gives short spans a minimum width that stays inside the axis', () => {
    const spans = [
      span('root', 0n, 1_000_000n),
      span('tiny', 500_000n, 500_001n),
      span('last', 1_000_000n, 1_000_000n),
    ];
    const window = traceWindow(spans)!;
    expect(barOf(spans[1]!, window).width).toBe(0.5);
    const last = barOf(spans[2]!, window);
    expect(last.left + last.width).toBeLessThanOrEqual(100);
    expect(last.width).toBe(0.5);
  });

  it('runs open spans to the end of the window, and a one-instant trace fills the width', () => {
    const spans = [span('root', 0n, undefined), span('child', 100n, 400n, 'root')];
    const window = traceWindow(spans)!;
    expect(window).toEqual({ startNs: 0n, endNs: 400n });
    expect(barOf(spans[0]!, window)).toMatchObject({ left: 0, width: 100, durationNs: undefined });
    const instant = [span('x', 5n, 5n)];
    expect(barOf(instant[0]!, traceWindow(instant)!)).toMatchObject({ left: 0, width: 100, durationNs: 0 });
    expect(traceWindow([])).toBeUndefined();
    expect(layoutWaterfall([])).toEqual([]);
  });

  it('picks 1-2-5 ticks across the window', () => {
    expect(axisTicks(1_000_000_000).map((t) => t.ns)).toEqual([0, 2e8, 4e8, 6e8, 8e8, 1e9]);
    const ticks = axisTicks(730_000);
    expect(ticks.map((t) => t.ns)).toEqual([0, 200_000, 400_000, 600_000]);
    expect(ticks[1]!.percent).toBeCloseTo((200_000 / 730_000) * 100);
    expect(axisTicks(0)).toEqual([{ ns: 0, percent: 0 }]);
  });

  it('formats durations from nanoseconds', () => {
    expect(formatNanos(850)).toBe('850ns');
    expect(formatNanos(12_340)).toBe('12.3µs');
    expect(formatNanos(4_560_000)).toBe('4.56ms');
    expect(formatNanos(1_230_000_000)).toBe('1.23s');
    expect(formatNanos(150e9)).toBe('2.5min');
    expect(formatNanos(undefined)).toBe('');
  });
});
