import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { confusionMatrixPlot, precisionRecallCurvePlot, rocCurve, rocCurvePlot } from '../src/index.js';

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const at = (y * png.width + x) * 4;
  return [png.data[at]!, png.data[at + 1]!, png.data[at + 2]!];
}

function nonWhite(png: PNG): number {
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (png.data[i] !== 255 || png.data[i + 1] !== 255 || png.data[i + 2] !== 255) count++;
  return count;
}

describe('metric plots', () => {
  it('draws the confusion matrix with cells shaded by the share of each true label', () => {
    const png = PNG.sync.read(
      confusionMatrixPlot([
        [3, 0],
        [1, 1],
      ]),
    );
    expect([png.width, png.height]).toEqual([640, 480]);
    // The cell grid: 384 px square from (128, 48), two cells of 192 px. Sample each cell's centre.
    const full = pixel(png, 128 + 96, 48 + 96); // row 0, col 0: share 1
    const empty = pixel(png, 128 + 288, 48 + 96); // row 0, col 1: share 0
    const half = pixel(png, 128 + 96, 48 + 288); // row 1, col 0: share 0.5
    expect(full).toEqual([8, 48, 107]);
    expect(empty).toEqual([247, 251, 255]);
    expect(half[2]).toBeLessThan(empty[2]);
    expect(half[2]).toBeGreaterThan(full[2]);
  });

  it('draws ROC and precision-recall curves over axes', () => {
    const curve = rocCurve([true, false, true, false], [0.9, 0.6, 0.7, 0.1]);
    for (const bytes of [rocCurvePlot(curve), precisionRecallCurvePlot(curve)]) {
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height]).toEqual([640, 480]);
      expect(nonWhite(png)).toBeGreaterThan(2000);
      // The tick mark below the axes box's bottom-left corner is black.
      expect(pixel(png, 128, 48 + 384 + 5)).toEqual([0, 0, 0]);
    }
    // The perfect ROC passes through the top-left corner (0, 1) in the curve colour.
    const png = PNG.sync.read(rocCurvePlot(curve));
    expect(pixel(png, 128 + 2, 48 + 2)).toEqual([31, 119, 180]);
  });
});
