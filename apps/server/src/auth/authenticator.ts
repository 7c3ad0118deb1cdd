import {
  type AuthStore,
  type AuthUser,
  CredentialCache,
  LoginLimiter,
  type LoginLimiterOptions,
} from '@flowline/auth';

/** MLflow's answer to a request without valid credentials (its `make_basic_auth_response`). */
export const NOT_AUTHENTICATED =
  'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.';

const BEARER_NOT_ACCEPTED =
  `${NOT_AUTHENTICATED} This server's basic-auth app takes a username and password (HTTP basic: ` +
  'MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD); a bearer token (MLFLOW_TRACKING_TOKEN) is not one ' +
  "of its credentials, as in MLflow, and MLflow's clients send the token instead of the password when both are set.";

/** Why a request was not let in. */
export interface AuthFailure {
  status: 401 | 429;
  message: string;
  /** Seconds before trying again (429). */
  retryAfter?: number;
}

/** The credentials an `Authorization` header carries. */
export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer' }
  | { kind: 'none' };

/** Reads `Authorization: Basic …` (UTF-8 `username:password`) and recognises a bearer token. */
export function parseAuthorization(header: string | undefined): Credentials {
  if (!header) return { kind: 'none' };
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer') return { kind: 'bearer' };
  if (scheme !== 'basic' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return { kind: 'none' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'none' };
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Decides who a request is: basic credentials checked against the auth store (its werkzeug hash), a
 * verified pair then trusted for the cache's TTL, failures counted per username and client address and
 * refused with 429 once over the limit. Concurrent first requests with the same pair share one check.
 */
export class Authenticator {
  readonly #store: AuthStore;
  readonly #cache: CredentialCache<AuthUser>;
  readonly #limiter: LoginLimiter;
  readonly #inFlight = new Map<string, Promise<AuthUser | null>>();

  constructor(
    store: AuthStore,
    cache: { ttlSeconds: number; maxSize: number },
    limiter: LoginLimiterOptions = {},
  ) {
    this.#store = store;
    this.#cache = new CredentialCache({ ttlMs: cache.ttlSeconds * 1000, maxSize: cache.maxSize });
    this.#limiter = new LoginLimiter(limiter);
  }

  /** The user an `Authorization` header proves, or why not. */
  async authenticate(header: string | undefined, address: string): Promise<AuthUser | AuthFailure> {
    const credentials = parseAuthorization(header);
    if (credentials.kind === 'bearer') return { status: 401, message: BEARER_NOT_ACCEPTED };
    if (credentials.kind === 'none') return { status: 401, message: NOT_AUTHENTICATED };
    const { username, password } = credentials;
    const cached = this.#cache.get(username, password);
    if (cached) return cached;
    const wait = this.#limiter.retryAfterSeconds(username, address);
    if (wait > 0)
      return {
        status: 429,
        retryAfter: wait,
        message: `Too many failed logins for this user or from this address; try again in ${wait} seconds.`,
      };
    const key = `${username.length}:${username}:${password}`;
    let check = this.#inFlight.get(key);
    if (!check) {
      check = this.#store.authenticate(username, password).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, check);
    }
    const user = await check;
    if (!user) {
      this.#limiter.recordFailure(username, address);
      return { status: 401, message: NOT_AUTHENTICATED };
    }
    this.#limiter.recordSuccess(username);
    this.#cache.set(username, password, user);
    return user;
  }

  /** Forgets a user's verified credentials (after a password, admin or account change). */
  invalidate(username: string): void {
    this.#cache.invalidate(username);
  }
}
