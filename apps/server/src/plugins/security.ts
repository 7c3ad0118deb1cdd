import { ErrorCode } from '@flowline/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { registerHostCheck, wildcardPattern } from './host-check.js';

/** Security options, as MLflow's security middleware flags. */
export interface SecurityOptions {
  /**
   * Origins allowed to call the API from a browser besides the server's own and loopback ones
   * (`--cors-allowed-origins`): exact, with `*` wildcards (`https://*.example.com`), or `*` for all.
   */
  allowedOrigins?: string[];
  /** Host headers accepted (`--allowed-hosts`); default: MLflow's loopback and private-network hosts. */
  allowedHosts?: string[];
  /** MLflow's `--x-frame-options`: `SAMEORIGIN` (default), `DENY`, or `NONE` for no header. */
  xFrameOptions?: string;
  /** MLflow's `--disable-security-middleware`: no host check, origin guard or security headers. */
  disabled?: boolean;
}

const CSP_BASE = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
];

/** The CSP with `frame-ancestors` agreeing with X-Frame-Options (none for `NONE`, as the header). */
function contentSecurityPolicy(frameOptions: string): string {
  if (frameOptions === 'NONE') return CSP_BASE.join('; ');
  return [...CSP_BASE, `frame-ancestors ${frameOptions === 'DENY' ? "'none'" : "'self'"}`].join('; ');
}

/** Hosts MLflow trusts as origins on any port and scheme (`CORS_LOCALHOST_HOSTS`). */
const LOOPBACK_ORIGIN_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** MLflow's origin rule: loopback origins on any port, then the configured list (`*` for every origin). */
function originMatcher(allowed: readonly string[]): (origin: string) => boolean {
  const exact = new Set(allowed.filter((o) => !o.includes('*')).map((o) => o.replace(/\/$/, '')));
  const patterns = allowed.filter((o) => o.includes('*')).map((o) => wildcardPattern(o));
  return (origin) => {
    try {
      if (LOOPBACK_ORIGIN_HOSTS.has(new URL(origin).hostname)) return true;
    } catch {
      return false;
    }
    return exact.has(origin) || patterns.some((re) => re.test(origin));
  };
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * MLflow's security middleware: a baseline of response headers (CSP, nosniff, frame options); the Host
 * check against DNS rebinding (see `registerHostCheck`); CORS answers for trusted origins; and a guard
 * against cross-site writes: a browser request that changes state must come from the server's own origin,
 * a loopback one (`localhost` and `127.0.0.1` count alike, as in MLflow) or an allowed one, and every body
 * must be JSON, so a plain HTML form on another site can do nothing.
 */
export function registerSecurity(app: FastifyInstance, options: SecurityOptions = {}): void {
  if (options.disabled) return;
  const trustedOrigin = originMatcher(options.allowedOrigins ?? []);
  const frameOptions = (options.xFrameOptions ?? 'SAMEORIGIN').toUpperCase();
  const csp = contentSecurityPolicy(frameOptions);

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    if (frameOptions !== 'NONE') reply.header('x-frame-options', frameOptions);
    reply.header('referrer-policy', 'same-origin');
  });
  registerHostCheck(app, {
    allowedHosts: options.allowedHosts,
    exempt: ['/health', '/version'],
    hint: '--allowed-hosts (MLFLOW_SERVER_ALLOWED_HOSTS)',
  });
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    const sameOrigin = origin !== undefined && origin !== 'null' && sameHost(origin, request.headers.host);
    const trusted = sameOrigin || (origin !== undefined && origin !== 'null' && trustedOrigin(origin));
    if (origin !== undefined && trusted && !sameOrigin) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
    }
    if (
      request.method === 'OPTIONS' &&
      origin !== undefined &&
      request.headers['access-control-request-method']
    ) {
      if (!trusted) return refuse(reply, origin);
      return reply
        .status(204)
        .header('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS, PATCH')
        .header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? '*')
        .header('access-control-max-age', '600')
        .send();
    }
    if (!STATE_CHANGING.has(request.method)) return;
    const site = request.headers['sec-fetch-site'];
    if ((origin !== undefined && !trusted) || (site === 'cross-site' && !trusted))
      return refuse(reply, origin);
  });
}

function refuse(reply: FastifyReply, origin: string | undefined): FastifyReply {
  return reply.status(403).send({
    error_code: ErrorCode.PERMISSION_DENIED,
    // MLflow's sentence first: its tests and clients match on it.
    message: `Cross-origin request blocked: requests from ${origin ?? 'another site'} may not change anything here. Start the server with --cors-allowed-origins (MLFLOW_SERVER_CORS_ALLOWED_ORIGINS) to allow that origin.`,
  });
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
