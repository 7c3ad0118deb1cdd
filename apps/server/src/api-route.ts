import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { strictBodyCompiler } from './strict-body.js';

/** The verbs MLflow's endpoints use: GET reads the query string, the others a JSON body. */
export type Verb = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/**
 * One MLflow endpoint as data: its verbs, its path under the API prefix, its TypeBox request and response
 * schemas, and a handler that gets the validated request (query string or body, by verb) and returns the
 * response's static type. `apiRoutes` turns a list of them into fastify routes.
 */
export interface ApiRoute<
  V extends Verb = Verb,
  U extends string = string,
  I extends TSchema = TSchema,
  O extends TSchema = TSchema,
> {
  method: V | readonly V[];
  url: U;
  schema: { request: I; response: O };
  handler(input: Static<I>, request: FastifyRequest): Promise<Static<O>>;
}

/** Declares an endpoint, keeping its verbs and path as literal types (for `RouteKey`). */
export function apiRoute<const V extends Verb, const U extends string, I extends TSchema, O extends TSchema>(
  route: ApiRoute<V, U, I, O>,
): ApiRoute<V, U, I, O> {
  return route;
}

/** The verbs of a route, as a list. */
export function verbsOf(route: ApiRoute): readonly Verb[] {
  return typeof route.method === 'string' ? [route.method] : route.method;
}

/**
 * An encapsulated plugin serving these endpoints. The request schema goes to the query string on GET (text,
 * so fastify's validator coerces it) and to the JSON body otherwise (strictly: no coercion, as MLflow's proto
 * parsing); the response schema to the 200 answer, which fastify serialises with it.
 */
export function apiRoutes(routes: readonly ApiRoute[]): FastifyPluginAsync {
  return async (app) => {
    const typed = app.withTypeProvider<TypeBoxTypeProvider>();
    for (const route of routes) {
      for (const verb of verbsOf(route)) {
        const { request, response } = route.schema;
        typed.route({
          method: verb,
          url: route.url,
          schema: {
            ...(verb === 'GET' ? { querystring: request } : { body: request }),
            response: { 200: response },
          },
          ...(verb === 'GET' ? {} : { validatorCompiler: strictBodyCompiler }),
          handler: (req) => route.handler(verb === 'GET' ? req.query : (req.body ?? {}), req),
        });
      }
    }
  };
}

/** A repeated field for the wire: the items mapped, or left out when empty, as MLflow's proto JSON does. */
export function repeated<T>(items: T[]): T[] | undefined;
export function repeated<T, U>(items: readonly T[], map: (item: T) => U): U[] | undefined;
export function repeated<T, U>(items: readonly T[], map?: (item: T) => U): readonly (T | U)[] | undefined {
  if (items.length === 0) return undefined;
  return map ? items.map((item) => map(item)) : items;
}
