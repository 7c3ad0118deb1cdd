/** Options of a `LoginLimiter`. */
export interface LoginLimiterOptions {
  /** Failed logins allowed per username within the window (default 10). */
  maxFailuresPerUser?: number;
  /** Failed logins allowed per client address within the window (default 30). */
  maxFailuresPerAddress?: number;
  /** The window, from a key's first failure (default 60 s). */
  windowMs?: number;
  /** Keys tracked at most; the oldest are forgotten first (default 10 000). */
  maxTracked?: number;
  now?: () => number;
}

interface Window {
  start: number;
  failures: number;
}

/**
 * Counts failed logins per username and per client address in fixed windows, and says how long a key
 * must wait once it has used up its allowance, so a password cannot be guessed at the speed of the server.
 */
export class LoginLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #perUser: number;
  readonly #perAddress: number;
  readonly #windowMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;

  constructor(options: LoginLimiterOptions = {}) {
    this.#perUser = options.maxFailuresPerUser ?? 10;
    this.#perAddress = options.maxFailuresPerAddress ?? 30;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxTracked = options.maxTracked ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  #current(key: string): Window | undefined {
    const window = this.#windows.get(key);
    if (window && window.start + this.#windowMs <= this.#now()) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #keys(username: string, address: string): Array<[string, number]> {
    return [
      [`u:${username}`, this.#perUser],
      [`a:${address}`, this.#perAddress],
    ];
  }

  /** Seconds to wait before this username may be tried from this address again; 0 when it may now. */
  retryAfterSeconds(username: string, address: string): number {
    let wait = 0;
    for (const [key, limit] of this.#keys(username, address)) {
      const window = this.#current(key);
      if (window && window.failures >= limit)
        wait = Math.max(wait, Math.ceil((window.start + this.#windowMs - this.#now()) / 1000));
    }
    return wait;
  }

  /** Counts a failed login. */
  recordFailure(username: string, address: string): void {
    for (const [key] of this.#keys(username, address)) {
      const window = this.#current(key);
      if (window) window.failures += 1;
      else this.#windows.set(key, { start: this.#now(), failures: 1 });
    }
    while (this.#windows.size > this.#maxTracked) {
      this.#windows.delete(this.#windows.keys().next().value as string);
    }
  }

  /** A successful login clears its username's count (not the address's). */
  recordSuccess(username: string): void {
    this.#windows.delete(`u:${username}`);
  }
}
