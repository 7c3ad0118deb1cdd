import { createHmac, randomBytes } from 'node:crypto';

/** Options of a `CredentialCache`. */
export interface CredentialCacheOptions {
  /** How long a verified credential is trusted (0 turns the cache off). */
  ttlMs: number;
  /** How many credentials are kept; the least recently used goes first. */
  maxSize: number;
  /** Replaceable for tests. */
  now?: () => number;
}

interface Entry<T> {
  username: string;
  value: T;
  expires: number;
}

/**
 * Verified username/password pairs, briefly, so a request does not pay a password hash (tens of ms by
 * design) each time. Keys are an HMAC of the pair under a key made at start, so neither the password nor a
 * digest usable for guessing it offline is kept. Entries expire, the least recently used are evicted, and
 * a user's entries are dropped when their password, admin flag or account changes.
 */
export class CredentialCache<T> {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, Entry<T>>();
  readonly #ttlMs: number;
  readonly #maxSize: number;
  readonly #now: () => number;

  constructor(options: CredentialCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxSize = options.maxSize;
    this.#now = options.now ?? Date.now;
  }

  #keyOf(username: string, password: string): string {
    return createHmac('sha256', this.#key)
      .update(`${username.length}:${username}:${password}`)
      .digest('base64');
  }

  /** The value stored for this pair, if it was verified within the TTL. */
  get(username: string, password: string): T | undefined {
    if (this.#ttlMs <= 0) return undefined;
    const key = this.#keyOf(username, password);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Remembers a pair that was just verified. */
  set(username: string, password: string, value: T): void {
    if (this.#ttlMs <= 0 || this.#maxSize <= 0) return;
    const key = this.#keyOf(username, password);
    this.#entries.delete(key);
    this.#entries.set(key, { username, value, expires: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxSize) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets every entry of a user. */
  invalidate(username: string): void {
    for (const [key, entry] of this.#entries) if (entry.username === username) this.#entries.delete(key);
  }

  /** How many entries are held (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}
