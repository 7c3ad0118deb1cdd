import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies as MLflow reads them: an empty body is `{}`, and a body that is itself a JSON-encoded string
 * (sent by some legacy clients) is decoded a second time. Only `application/json` is accepted.
 */
export function registerJsonBody(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = body as string;
    // Only a short body can be blank; trimming a large one would copy it for nothing.
    if (text.length < 64 && text.trim() === '') return done(null, {});
    try {
      let value = JSON.parse(text);
      if (typeof value === 'string') value = JSON.parse(value);
      done(null, value);
    } catch (error) {
      const err = error as Error & { statusCode?: number; code?: string };
      err.statusCode = 400;
      err.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      done(err, undefined);
    }
  });
}
