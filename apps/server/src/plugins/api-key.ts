import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MlflowError } from '@flowline/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What `registerApiKey` needs: the key, and the paths that stay open (health probes). */
export interface ApiKeyOptions {
  apiKey: string;
  exempt: readonly string[];
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The key a request presents: `Authorization: Bearer <key>` (OpenAI's clients) or `X-Api-Key`. */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match) return match[1]!.trim();
  }
  const alt = request.headers['x-api-key'];
  return typeof alt === 'string' ? alt : null;
}

/**
 * Requires an API key on every route but the exempt ones. Keys are compared as SHA-256 digests in constant
 * time, so neither the key's length nor its prefix leaks through timing. A refusal is an `UNAUTHENTICATED`
 * error, which each route area's error plugin writes in its protocol (OpenAI's on `/v1/…`, MLflow's elsewhere).
 */
export function registerApiKey(app: FastifyInstance, options: ApiKeyOptions): void {
  const expected = digest(options.apiKey);
  const exempt = new Set(options.exempt);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (exempt.has(path)) return;
    const key = presentedKey(request);
    if (key !== null && timingSafeEqual(digest(key), expected)) return;
    const message =
      key === null
        ? 'This server needs an API key: send it as "Authorization: Bearer <key>".'
        : 'The API key is not valid for this server.';
    reply.header('www-authenticate', 'Bearer');
    // The route's area answers in its protocol: OpenAI's JSON on /v1/*, MLflow's elsewhere.
    throw new MlflowError(ErrorCode.UNAUTHENTICATED, message);
  });
}
