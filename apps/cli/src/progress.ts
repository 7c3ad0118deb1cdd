import { createRequire } from 'node:module';
import type { TransferOptions } from '@flowline/core';
import type { SingleBar as Bar } from 'cli-progress';

// cli-progress is CommonJS: required when a bar is first shown, never for --help or scripts.
const require = createRequire(import.meta.url);
const newBar = (...args: ConstructorParameters<typeof Bar>): Bar =>
  new (require('cli-progress') as typeof import('cli-progress')).SingleBar(...args);

/** Transfers larger than this show a progress bar (on a terminal, and never with --json). */
export const PROGRESS_THRESHOLD_BYTES = 4 * 1024 * 1024;

/**
 * A progress bar on stderr for a transfer of `totalBytes`, or nothing for small transfers, scripts
 * (`--json`) and non-terminals. Call `stop()` when the transfer ends.
 */
export function transferProgress(
  label: string,
  totalBytes: number,
  quiet: boolean,
): TransferOptions & { stop(): void } {
  if (quiet || totalBytes < PROGRESS_THRESHOLD_BYTES || !process.stderr.isTTY) return { stop() {} };
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const bar = newBar(
    {
      format: `${label} [{bar}] {percentage}% | {done}/{all} MB | {speed} MB/s`,
      stream: process.stderr,
      hideCursor: true,
    },
    undefined,
  );
  const started = Date.now();
  bar.start(totalBytes, 0, { done: '0.0', all: mb(totalBytes), speed: '0.0' });
  return {
    onProgress(bytes) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(bytes, { done: mb(bytes), all: mb(totalBytes), speed: mb(bytes / seconds) });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * A progress bar on stderr for generating up to `maxTokens` tokens, with tokens/s, or nothing when not
 * `shown`. `update` takes the count so far; call `stop()` when generation ends.
 */
export function generationProgress(
  maxTokens: number,
  shown: boolean,
): { update(count: number): void; stop(): void } {
  if (!shown) return { update() {}, stop() {} };
  const bar = newBar(
    {
      format: 'generating [{bar}] {value}/{total} tokens | {speed} tokens/s',
      stream: process.stderr,
      hideCursor: true,
    },
    undefined,
  );
  const started = Date.now();
  bar.start(maxTokens, 0, { speed: '0.0' });
  return {
    update(count) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(count, { speed: (count / seconds).toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * A progress bar on stderr counting items (`label [bar] done/total`), or nothing when not `shown`. It starts
 * on the first `update`, once the total is known; call `stop()` at the end.
 */
export function countProgress(
  label: string,
  shown: boolean,
): { update(done: number, total: number): void; stop(): void } {
  if (!shown) return { update() {}, stop() {} };
  const bar = newBar(
    { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true },
    undefined,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
