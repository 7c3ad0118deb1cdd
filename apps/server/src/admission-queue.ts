import { ErrorCode, MlflowError } from '@flowline/core';

/** Limits of an `AdmissionQueue`. */
export interface AdmissionLimits {
  /** Requests running at once (`--max-concurrent-requests`). */
  maxConcurrent: number;
  /** Requests waiting for a slot (`--max-queue`); one more is refused with 429. */
  maxQueue: number;
}

/** Default limits of `flowline models serve`. */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxConcurrent: 8, maxQueue: 32 };

/** Seconds a refused client is told to wait (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;

interface Waiter {
  admit(): void;
  signal: AbortSignal;
}

/**
 * A bounded admission queue for generating requests: at most `maxConcurrent` hold a slot, at most
 * `maxQueue` wait in arrival order, and past that `acquire` refuses at once (`RESOURCE_EXHAUSTED`, 429).
 * A waiter whose signal aborts (its client hung up) leaves the queue.
 */
export class AdmissionQueue {
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(readonly limits: AdmissionLimits) {}

  /** Requests holding a slot. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for a slot. */
  get depth(): number {
    return this.#waiting.length;
  }

  /** Waits for a slot; resolves to its release function (calling it twice frees one slot only). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw aborted();
    if (this.#running < this.limits.maxConcurrent && this.#waiting.length === 0) return this.#take();
    if (this.#waiting.length >= this.limits.maxQueue)
      throw new MlflowError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `The server is busy: ${this.#running} requests are generating and ${this.#waiting.length} are waiting (--max-concurrent-requests ${this.limits.maxConcurrent}, --max-queue ${this.limits.maxQueue}). Retry after ${RETRY_AFTER_SECONDS} s.`,
      );
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        admit: () => {
          signal.removeEventListener('abort', leave);
          resolve(this.#take());
        },
      };
      const leave = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(aborted());
      };
      signal.addEventListener('abort', leave, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #take(): () => void {
    this.#running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running -= 1;
      this.#waiting.shift()?.admit();
    };
  }
}

function aborted(): MlflowError {
  return new MlflowError(ErrorCode.CANCELLED, 'The request was cancelled before it got a slot.');
}
