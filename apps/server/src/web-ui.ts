import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Paths that belong to the API or the server itself, as MLflow's server lays them out (`/api/…`,
 * `/ajax-api/…`, `/graphql`, `/get-artifact`, `/model-versions/get-artifact`, `/static-files/…`,
 * `/gateway/…`, `/health`, `/version`) plus the scoring server's. The web UI's fallback never answers them,
 * so an unknown one gets the API's JSON 404 (`ENDPOINT_NOT_FOUND`), never the app's HTML.
 */
export const NOT_UI =
  /^\/(api|ajax-api|graphql|health|version|get-artifact|model-versions|static-files|gateway|invocations|ping|v1)(\/|$)/;

/** The request's path, percent-decoded (so `/%61pi/x` is still the API), for matching `NOT_UI`. */
function pathOf(url: string): string {
  const path = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Where the built web UI lives: `$FLOWLINE_WEB_DIST`, else the copy shipped in the published package
 * (`dist/web-ui`, made by `pnpm pack`), else `apps/web/dist` beside this package in the workspace (the same
 * relative path from `src/` and from `dist/`).
 */
export function defaultWebRoot(): string {
  if (process.env.FLOWLINE_WEB_DIST) return process.env.FLOWLINE_WEB_DIST;
  const shipped = fileURLToPath(new URL('./web-ui', import.meta.url));
  if (existsSync(join(shipped, 'index.html'))) return shipped;
  return fileURLToPath(new URL('../../web/dist', import.meta.url));
}

const NOT_BUILT = (root: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flowline</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Flowline's web UI is not built</h1>
<p>The tracking API works, but no UI assets were found at <code>${escapeHtml(root)}</code>.</p>
<p>Build them with <code>pnpm exec turbo run build --filter=@flowline/web</code>, or point
<code>FLOWLINE_WEB_DIST</code> at a built copy, then restart the server.</p>
</body></html>`;

/**
 * Serves the web UI: hashed assets under `/assets/`, and `index.html` at `/` and at every other GET path
 * that is not part of the API (the single-page app routes itself). API routes are untouched; an unknown
 * API path still gets the API's JSON 404. Without built assets, `/` explains how to build them.
 */
export async function registerWebUi(
  app: FastifyInstance,
  root: string | null = defaultWebRoot(),
): Promise<void> {
  const built = root !== null && existsSync(join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      decorateReply: true,
      index: false,
      // File names carry a content hash, so they never change.
      immutable: true,
      maxAge: '365d',
    });
  }
  app.get('/*', async (request, reply) => {
    const path = pathOf(request.url);
    if (NOT_UI.test(path) || path.startsWith('/assets/')) return reply.callNotFound();
    if (!built)
      return reply
        .status(503)
        .type('text/html')
        .send(NOT_BUILT(root ?? '(disabled)'));
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
