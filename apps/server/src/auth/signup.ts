import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isMlflowError } from '@flowline/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

// MLflow's `/signup` page: a form posting to `/api/2.0/mlflow/users/create-ui` (URL-encoded, with a CSRF
// token), which creates the user and says so. MLflow answers with an alert script; the server's CSP allows
// no inline script, so Flowline answers with a small page and a link instead.

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f5f5f5; }
  form, .box { background: #fff; border: 1px solid #ccc; border-radius: 4px; padding: 20px; max-width: 400px; margin: 4rem auto; }
  input[type=text], input[type=password] { width: 100%; padding: 10px; margin: 4px 0 12px; border: 1px solid #ccc; border-radius: 4px; box-sizing: border-box; }
  input[type=submit] { background: rgb(34, 114, 180); color: #fff; border: none; border-radius: 4px; padding: 10px 20px; font-size: 16px; cursor: pointer; }
</style></head>
<body>${body}</body></html>`;
}

/** A CSRF token bound to the signed-in admin, valid an hour: `<time>.<hmac>`. */
class CsrfTokens {
  readonly #key: Buffer;
  constructor(secret: string | undefined) {
    // MLflow's MLFLOW_FLASK_SERVER_SECRET_KEY, so every worker agrees; else one per process.
    this.#key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }
  #mac(username: string, time: string): string {
    return createHmac('sha256', this.#key).update(`signup:${username}:${time}`).digest('base64url');
  }
  issue(username: string): string {
    const time = String(Date.now());
    return `${time}.${this.#mac(username, time)}`;
  }
  valid(username: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const [time = '', mac = ''] = token.split('.');
    const age = Date.now() - Number(time);
    if (!(age >= 0 && age < TOKEN_LIFETIME_MS)) return false;
    const a = Buffer.from(mac);
    const b = Buffer.from(this.#mac(username, time));
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function message(reply: FastifyReply, status: number, text: string, back: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      page(
        'Sign up',
        `<div class="box"><p>${escapeHtml(text)}</p><p><a href="${back}">Continue</a></p></div>`,
      ),
    );
}

/** `GET /signup` and `POST /api/2.0/mlflow/users/create-ui`, on the auth area (whose `accounts` they use). */
export async function signupRoutes(app: FastifyInstance, options: { secret?: string }): Promise<void> {
  const tokens = new CsrfTokens(options.secret);
  app.get('/signup', async (request, reply) => {
    const token = tokens.issue(request.authUser?.username ?? '');
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Sign up',
        `<form action="/api/2.0/mlflow/users/create-ui" method="post">
  <input type="hidden" name="csrf_token" value="${escapeHtml(token)}"/>
  <h2>Flowline: create a user</h2>
  <label for="username">Username:</label>
  <input type="text" id="username" name="username" minlength="4">
  <label for="password">Password:</label>
  <input type="password" id="password" name="password" minlength="12">
  <input type="submit" value="Sign up">
</form>`,
      ),
    );
  });

  await app.register(async (form) => {
    form.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    form.post('/api/2.0/mlflow/users/create-ui', async (request, reply) => {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
        return reply
          .status(400)
          .type('text/plain')
          .send('Invalid content type. Must be application/x-www-form-urlencoded');
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      if (!tokens.valid(request.authUser?.username ?? '', body.csrf_token))
        return message(
          reply,
          400,
          'The form has expired or did not come from this server; open /signup again.',
          '/signup',
        );
      const { username, password } = body;
      if (!username || !password)
        return reply.status(400).type('text/plain').send('Username and password cannot be empty.');
      if (await app.accounts.store.hasUser(username))
        return message(reply, 200, `Username has already been taken: ${username}`, '/signup');
      try {
        await app.accounts.store.createUser(username, password);
      } catch (error) {
        if (isMlflowError(error)) return message(reply, 400, error.message, '/signup');
        throw error;
      }
      return message(reply, 200, `Successfully signed up user: ${username}`, '/');
    });
  });
}
