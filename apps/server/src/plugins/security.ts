import { ErrorCode } from '@flowline/core';
import type { FastifyInstance } from 'fastify';

/** Security options: which browser origins may send state-changing requests. */
export interface SecurityOptions {
  /** Origins allowed to call the API from a browser besides the server's own (`--cors-allowed-origins`). */
  allowedOrigins?: string[];
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A baseline of response headers (CSP, nosniff, frame options) and a guard against cross-site writes: a
 * browser request that changes state must come from the server's own origin or an allowed one, and every
 * body must be JSON, so a plain HTML form on another site can do nothing.
 */
export function registerSecurity(app: FastifyInstance, options: SecurityOptions = {}): void {
  const allowed = new Set((options.allowedOrigins ?? []).map((o) => o.replace(/\/$/, '')));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'SAMEORIGIN');
    reply.header('referrer-policy', 'same-origin');
    if (!STATE_CHANGING.has(request.method)) return;
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    const sameOrigin = origin !== undefined && origin !== 'null' && sameHost(origin, request.headers.host);
    const crossSite =
      (origin !== undefined && !sameOrigin && !allowed.has(origin)) ||
      (site === 'cross-site' && !(origin && allowed.has(origin)));
    if (crossSite) {
      return reply.status(403).send({
        error_code: ErrorCode.PERMISSION_DENIED,
        message: `Cross-origin request from ${origin ?? 'another site'} refused. Start the server with --cors-allowed-origins to allow it.`,
      });
    }
  });
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
