import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { strictBodyCompiler } from './strict-body.js';

/** How a route reads its input: GET from the query string, POST/DELETE/PATCH from the JSON body. */
export type Verb = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/** The schemas an endpoint was registered with. */
export interface RouteSchemas {
  input: TSchema;
  output: TSchema;
}

// Every endpoint's schemas by 'VERB /prefix/path', per server (encapsulated plugins share the root's `server`).
const registered = new WeakMap<object, Map<string, RouteSchemas>>();

/** The schemas of each endpoint registered on this server, by 'VERB /prefix/path' (for tests). */
export function registeredSchemas(app: FastifyInstance): ReadonlyMap<string, RouteSchemas> {
  return registered.get(app.server) ?? new Map();
}

/**
 * Registers one MLflow endpoint: its input schema is applied to the query string (GET) or the JSON body
 * (other verbs, strictly: no coercion, as MLflow's proto parsing), its output schema to the 200 response,
 * and the handler gets the validated input.
 */
export function endpoint<I extends TSchema, O extends TSchema>(
  app: FastifyInstance,
  verbs: Verb | Verb[],
  path: string,
  schemas: { input: I; output: O },
  handler: (input: Static<I>, request: FastifyRequest) => Promise<Static<O>>,
): void {
  const routes = registered.get(app.server) ?? new Map<string, RouteSchemas>();
  registered.set(app.server, routes);
  for (const verb of Array.isArray(verbs) ? verbs : [verbs]) {
    routes.set(`${verb} ${app.prefix}${path}`, schemas);
    app.route({
      method: verb,
      url: path,
      schema: {
        ...(verb === 'GET' ? { querystring: schemas.input } : { body: schemas.input }),
        response: { 200: schemas.output },
      },
      // Bodies are JSON and must already have MLflow's types; query strings are text and are coerced.
      ...(verb === 'GET' ? {} : { validatorCompiler: strictBodyCompiler }),
      handler: (async (request: FastifyRequest) => {
        const input = (verb === 'GET' ? request.query : (request.body ?? {})) as Static<I>;
        return handler(input, request);
      }) as RouteHandlerMethod,
    });
  }
}

/** A repeated field for the wire: the items mapped, or left out when empty, as MLflow's proto JSON does. */
export function repeated<T>(items: T[]): T[] | undefined;
export function repeated<T, U>(items: readonly T[], map: (item: T) => U): U[] | undefined;
export function repeated<T, U>(items: readonly T[], map?: (item: T) => U): readonly (T | U)[] | undefined {
  if (items.length === 0) return undefined;
  return map ? items.map((item) => map(item)) : items;
}
