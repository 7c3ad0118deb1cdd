import { authHeadersFromEnv, ErrorCode, errorFromHttpResponse, MlflowError } from '@flowline/core';

/** How the HTTP transport authenticates, retries and times out (MLflow's `MLFLOW_HTTP_*` settings). */
export interface HttpOptions {
  /** Bearer token (`MLFLOW_TRACKING_TOKEN`); wins over basic auth. */
  token?: string;
  /** Basic auth (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`). */
  username?: string;
  password?: string;
  /** Retries on 429, 5xx and network errors, never on other 4xx (default 5). */
  maxRetries?: number;
  /** Exponential backoff factor in seconds (default 2: waits 2, 4, 8 … s, capped at 60 s). */
  backoffFactor?: number;
  /** Random extra wait, up to this many seconds (default 1). */
  backoffJitter?: number;
  /** Per-request timeout in seconds (default 120). */
  timeoutSeconds?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Replaceable for tests. */
  fetch?: typeof fetch;
  /** Replaceable for tests: how to wait between retries. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait between attempts, so a caller can say what is going on (the CLI prints it). */
  onRetry?: (retry: HttpRetry) => void;
}

/** A failed attempt about to be retried, as `HttpOptions.onRetry` receives it. */
export interface HttpRetry {
  /** The server's base URL. */
  url: string;
  /** The attempt that failed (1 for the first) and how many there will be at most. */
  attempt: number;
  attempts: number;
  /** How long the transport waits before the next attempt. */
  delayMs: number;
  /** The HTTP status that is retried (429, 5xx), or absent when the server could not be reached. */
  status?: number;
  /** Why: the network error's code (ECONNREFUSED, ENOTFOUND, a timeout) or `HTTP <status>`. */
  reason: string;
}

const RETRIABLE = new Set([429, 500, 502, 503, 504]);

/** Reads the `MLFLOW_HTTP_*` and auth environment variables MLflow's clients honour. */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpOptions {
  const num = (name: string) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : undefined);
  return {
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    maxRetries: num('MLFLOW_HTTP_REQUEST_MAX_RETRIES'),
    backoffFactor: num('MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR'),
    backoffJitter: num('MLFLOW_HTTP_REQUEST_BACKOFF_JITTER'),
    timeoutSeconds: num('MLFLOW_HTTP_REQUEST_TIMEOUT'),
  };
}

/** Appends a query string with repeated keys for lists, as MLflow's GET endpoints read them. */
export function toQueryString(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A JSON-over-HTTP transport for MLflow's REST API, with auth, retries and MLflow error decoding. */
export class HttpTransport {
  readonly baseUrl: string;
  readonly #options: Required<Omit<HttpOptions, 'token' | 'username' | 'password' | 'headers' | 'onRetry'>>;
  readonly #onRetry: HttpOptions['onRetry'];
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, options: HttpOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#options = {
      maxRetries: Math.min(options.maxRetries ?? 5, 10),
      backoffFactor: options.backoffFactor ?? 2,
      backoffJitter: options.backoffJitter ?? 1,
      timeoutSeconds: options.timeoutSeconds ?? 120,
      fetch: options.fetch ?? globalThis.fetch,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
    this.#onRetry = options.onRetry;
    this.#headers = { accept: 'application/json', 'user-agent': 'flowline-client', ...options.headers };
    Object.assign(this.#headers, authHeadersFromEnv({}, options));
  }

  /** The headers sent with every request (including authorization), for transports that must replay them. */
  get headers(): Record<string, string> {
    return { ...this.#headers };
  }

  /** Calls an endpoint: GET sends `payload` as a query string, other verbs as a JSON body. */
  async request<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    payload: Record<string, unknown> = {},
  ): Promise<T> {
    const url = this.baseUrl + path + (method === 'GET' ? toQueryString(payload) : '');
    const init: RequestInit = {
      method,
      headers: method === 'GET' ? this.#headers : { ...this.#headers, 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(payload),
    };
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#options.fetch(url, {
          ...init,
          signal: AbortSignal.timeout(this.#options.timeoutSeconds * 1000),
        });
      } catch (cause) {
        if (attempt < this.#options.maxRetries) {
          await this.#backoff(attempt, null, { reason: describe(cause) });
          continue;
        }
        const tries = attempt === 0 ? '' : ` after ${attempt + 1} attempts`;
        throw new MlflowError(
          ErrorCode.TEMPORARILY_UNAVAILABLE,
          `Could not reach the tracking server at ${this.baseUrl} (${describe(cause)})${tries}. Check that ` +
            'a server is running there and that MLFLOW_TRACKING_URI names it.',
          { cause },
        );
      }
      if (response.ok) {
        const text = await response.text();
        return (text ? JSON.parse(text) : {}) as T;
      }
      if (RETRIABLE.has(response.status) && attempt < this.#options.maxRetries) {
        await response.body?.cancel().catch(() => {});
        await this.#backoff(attempt, response.headers.get('retry-after'), {
          status: response.status,
          reason: `HTTP ${response.status}`,
        });
        continue;
      }
      throw await decodeError(response, method, path);
    }
  }

  async #backoff(
    attempt: number,
    retryAfter: string | null,
    why: { status?: number; reason: string },
  ): Promise<void> {
    const fromHeader = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) : null;
    const seconds =
      fromHeader ??
      Math.min(60, this.#options.backoffFactor * 2 ** attempt) + Math.random() * this.#options.backoffJitter;
    this.#onRetry?.({
      url: this.baseUrl,
      attempt: attempt + 1,
      attempts: this.#options.maxRetries + 1,
      delayMs: Math.round(seconds * 1000),
      ...why,
    });
    await this.#options.sleep(seconds * 1000);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  if ((error as Error)?.name === 'TimeoutError') return 'no answer within MLFLOW_HTTP_REQUEST_TIMEOUT';
  return cause?.code ?? (error as Error)?.message ?? String(error);
}

async function decodeError(response: Response, method: string, path: string): Promise<MlflowError> {
  const text = await response.text().catch(() => '');
  return errorFromHttpResponse(response.status, text, `${method} ${path}`);
}
