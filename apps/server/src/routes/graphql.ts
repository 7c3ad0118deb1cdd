import { isMlflowError, MlflowError } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { execute, GraphQLError, parse, validate } from 'graphql';
import { apiRoute } from '../api-route.js';
import { guardedRootValue } from '../auth/graphql-guard.js';
import { checkQueryLimits, type GraphqlLimits, limitsFromEnv } from '../graphql/query-limits.js';
import { type GraphqlContext, rootValue } from '../graphql/resolvers.js';
import { buildMlflowSchema } from '../graphql/schema.js';
import { required } from '../inputs.js';

/** A GraphQL request: a JSON body on POST, the same fields in the query string on GET. */
export const GraphqlRequest = Type.Object({
  query: Type.Optional(Type.String()),
  // An object in a JSON body; a JSON text in a query string.
  variables: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String(), Type.Null()]),
  ),
  operationName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

/** MLflow's GraphQL answer: the data, and the error messages as plain strings (null when there are none). */
export const GraphqlResponse = Type.Object({
  data: Type.Unknown(),
  errors: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

function variablesOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value as Record<string, unknown>;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (cause) {
    throw MlflowError.invalidParameterValue(
      `GraphQL variables must be a JSON object: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw MlflowError.invalidParameterValue('GraphQL variables must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/**
 * A GraphQL error as the client sees it: the message, which for a store's error is MLflow's message. An
 * unexpected failure inside a resolver is logged in full and answered with a generic message.
 */
function messageOf(error: GraphQLError, request: FastifyRequest): string {
  const cause = error.originalError;
  if (!cause || isMlflowError(cause) || cause instanceof GraphQLError) return error.message;
  request.log.error({ err: cause, path: error.path }, 'unexpected GraphQL resolver error');
  return `Internal server error (request id ${request.id}); see the server log.`;
}

const schema = buildMlflowSchema();

/**
 * MLflow's `/graphql` (GET and POST): its schema and limits (root fields, aliases, depth, selections), run
 * with graphql-js. Every answer is 200 with `{data, errors}`, as MLflow's; a query that does not parse is
 * answered the same way (MLflow fails with a 500 there), and a request without a query is a 400. The limits
 * come from the environment (`limitsFromEnv`), read once per server.
 */
export function graphqlRoutes(limits: GraphqlLimits = limitsFromEnv()) {
  return [
    apiRoute({
      method: ['GET', 'POST'],
      url: '/graphql',
      schema: { request: GraphqlRequest, response: GraphqlResponse },
      handler: async (input, request) => {
        const query = required(input.query, 'query');
        const failed = (messages: string[]) => ({ data: null, errors: messages });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(query);
        } catch (error) {
          if (error instanceof GraphQLError) return failed([error.message]);
          throw error;
        }
        const limit = checkQueryLimits(document, limits);
        if (limit) return failed([limit]);
        const invalid = validate(schema, document);
        if (invalid.length > 0) return failed(invalid.map((e) => e.message));
        const { store, registry, artifacts } = request.server;
        const contextValue: GraphqlContext = { store, registry, artifacts };
        const result = await execute({
          schema,
          document,
          rootValue: guardedRootValue(rootValue, request.graphqlGuard),
          contextValue,
          variableValues: variablesOf(input.variables),
          operationName: input.operationName ?? undefined,
        });
        return {
          data: result.data ?? null,
          errors: result.errors?.length ? result.errors.map((e) => messageOf(e, request)) : null,
        };
      },
    }),
  ];
}
