import { PNG } from 'pngjs';

/** An RGB colour. */
export type Rgb = readonly [number, number, number];

/** A white RGBA canvas with the few drawing operations the metric plots need, encoded with pngjs. */
export class Raster {
  readonly width: number;
  readonly height: number;
  readonly #png: PNG;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.#png = new PNG({ width, height });
    this.#png.data.fill(255);
  }

  /** Sets one pixel (ignored outside the canvas). */
  set(x: number, y: number, [r, g, b]: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const at = (py * this.width + px) * 4;
    this.#png.data[at] = r;
    this.#png.data[at + 1] = g;
    this.#png.data[at + 2] = b;
    this.#png.data[at + 3] = 255;
  }

  /** Fills a rectangle given by its top-left corner and size. */
  fillRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let py = Math.round(y); py < Math.round(y + h); py++)
      for (let px = Math.round(x); px < Math.round(x + w); px++) this.set(px, py, colour);
  }

  /** Draws a straight line `thickness` pixels wide; `dash` > 0 leaves gaps of that many pixels. */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1, dash = 0): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    const half = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      if (dash > 0 && Math.floor(s / dash) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dx = -half; dx <= half; dx++)
        for (let dy = -half; dy <= half; dy++) this.set(x + dx, y + dy, colour);
    }
  }

  /** Draws a rectangle outline. */
  strokeRect(x: number, y: number, w: number, h: number, colour: Rgb, thickness = 1): void {
    this.line(x, y, x + w, y, colour, thickness);
    this.line(x + w, y, x + w, y + h, colour, thickness);
    this.line(x + w, y + h, x, y + h, colour, thickness);
    this.line(x, y + h, x, y, colour, thickness);
  }

  /** The PNG file bytes. */
  toPng(): Buffer {
    return PNG.sync.write(this.#png);
  }
}
