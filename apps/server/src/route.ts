import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';

/** How a route reads its input: GET from the query string, POST/DELETE/PATCH from the JSON body. */
export type Verb = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/**
 * Registers one MLflow endpoint: its input schema is applied to the query string (GET) or the JSON body
 * (other verbs), its output schema to the 200 response, and the handler gets the validated input.
 */
export function endpoint<I extends TSchema, O extends TSchema>(
  app: FastifyInstance,
  verbs: Verb | Verb[],
  path: string,
  schemas: { input: I; output: O },
  handler: (input: Static<I>, request: FastifyRequest) => Promise<Static<O>>,
): void {
  for (const verb of Array.isArray(verbs) ? verbs : [verbs]) {
    app.route({
      method: verb,
      url: path,
      schema: {
        ...(verb === 'GET' ? { querystring: schemas.input } : { body: schemas.input }),
        response: { 200: schemas.output },
      },
      handler: (async (request: FastifyRequest) => {
        const input = (verb === 'GET' ? request.query : (request.body ?? {})) as Static<I>;
        return handler(input, request);
      }) as RouteHandlerMethod,
    });
  }
}
