import type { Curve } from '../metrics/curves.js';
import { Raster, type Rgb } from './raster.js';

const WIDTH = 640;
const HEIGHT = 480;
const MARGIN = 48;
const AXIS: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const CURVE: Rgb = [31, 119, 180];
const CHANCE: Rgb = [150, 150, 150];

/** The plot area of a unit-square chart: data (0..1, 0..1) to pixels, y upwards. */
function unitAxes(raster: Raster): (x: number, y: number) => [number, number] {
  const size = Math.min(raster.width, raster.height) - 2 * MARGIN;
  const left = (raster.width - size) / 2;
  const top = MARGIN;
  for (let t = 0; t <= 10; t++) {
    const at = (t / 10) * size;
    raster.line(left + at, top, left + at, top + size, GRID);
    raster.line(left, top + at, left + size, top + at, GRID);
  }
  raster.strokeRect(left, top, size, size, AXIS, 2);
  // Tick marks every 0.1 outside the box.
  for (let t = 0; t <= 10; t++) {
    const at = (t / 10) * size;
    raster.line(left + at, top + size, left + at, top + size + 6, AXIS);
    raster.line(left - 6, top + at, left, top + at, AXIS);
  }
  return (x, y) => [left + x * size, top + (1 - y) * size];
}

function polyline(raster: Raster, curve: Curve, map: (x: number, y: number) => [number, number]): void {
  for (let i = 1; i < curve.x.length; i++) {
    const [x0, y0] = map(curve.x[i - 1]!, curve.y[i - 1]!);
    const [x1, y1] = map(curve.x[i]!, curve.y[i]!);
    raster.line(x0, y0, x1, y1, CURVE, 3);
  }
  for (let i = 0; i < curve.x.length; i++) {
    const [x, y] = map(curve.x[i]!, curve.y[i]!);
    raster.fillRect(x - 3, y - 3, 7, 7, CURVE);
  }
}

/** The ROC curve (false positive rate → true positive rate) over the chance diagonal, as a PNG. */
export function rocCurvePlot(curve: Curve): Buffer {
  const raster = new Raster(WIDTH, HEIGHT);
  const map = unitAxes(raster);
  const [ax, ay] = map(0, 0);
  const [bx, by] = map(1, 1);
  raster.line(ax, ay, bx, by, CHANCE, 2, 8);
  polyline(raster, curve, map);
  return raster.toPng();
}

/** The precision-recall curve (recall → precision), as a PNG. */
export function precisionRecallCurvePlot(curve: Curve): Buffer {
  const raster = new Raster(WIDTH, HEIGHT);
  polyline(raster, curve, unitAxes(raster));
  return raster.toPng();
}

/**
 * The confusion matrix normalized over each true label (MLflow's `normalize="true"`), as a PNG: one cell
 * per (true row, predicted column), shaded from white (0) to dark blue (1).
 */
export function confusionMatrixPlot(confusion: number[][]): Buffer {
  const raster = new Raster(WIDTH, HEIGHT);
  const k = confusion.length;
  const size = Math.min(WIDTH, HEIGHT) - 2 * MARGIN;
  const left = (WIDTH - size) / 2;
  const cell = size / k;
  confusion.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, c) => {
      const share = total === 0 ? 0 : count / total;
      const shade: Rgb = [
        Math.round(247 - share * (247 - 8)),
        Math.round(251 - share * (251 - 48)),
        Math.round(255 - share * (255 - 107)),
      ];
      raster.fillRect(left + c * cell, MARGIN + r * cell, cell, cell, shade);
    });
  });
  for (let i = 0; i <= k; i++) {
    raster.line(left + i * cell, MARGIN, left + i * cell, MARGIN + size, AXIS, 2);
    raster.line(left, MARGIN + i * cell, left + size, MARGIN + i * cell, AXIS, 2);
  }
  return raster.toPng();
}
