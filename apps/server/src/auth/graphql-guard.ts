import { isMlflowError } from '@flowline/core';
import type { RuleContext } from './rules.js';

/** Per-field authorization of a GraphQL request, as MLflow's `GraphQLAuthorizationMiddleware`. */
export interface GraphqlGuard {
  /** The arguments to resolve a root field with (possibly narrowed), or null to answer the field with null. */
  admit(field: string, args: GraphqlArgs): Promise<GraphqlArgs | null>;
  /** The field's result with what the user may not read taken out. */
  filter(field: string, result: unknown): Promise<unknown>;
}

type GraphqlArgs = { input?: Record<string, unknown> | null } & Record<string, unknown>;
type Resolver = (args: GraphqlArgs, context: unknown) => Promise<unknown> | unknown;

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The guard for one signed-in, non-admin user: `mlflowGetExperiment` needs READ on it; `mlflowGetRun`,
 * `mlflowListArtifacts` and `mlflowGetMetricHistoryBulkInterval` READ on every run's experiment;
 * `mlflowSearchRuns` and `mlflowSearchDatasets` search only the readable experiments (null when none is);
 * `mlflowSearchModelVersions` drops versions of models the user may not read. Other fields are not guarded,
 * as in MLflow. A check that fails (an unknown run) answers null.
 */
export function graphqlGuard(ctx: RuleContext): GraphqlGuard {
  const canReadRun = async (runId: string) =>
    (await ctx.rules.experiment(ctx.user, await ctx.experimentOfRun(runId))).canRead;
  return {
    async admit(field, args) {
      const input = args.input;
      if (!input) return args;
      try {
        switch (field) {
          case 'mlflowGetExperiment': {
            const id = text(input.experimentId);
            return !id || (await ctx.rules.experiment(ctx.user, id)).canRead ? args : null;
          }
          case 'mlflowGetRun':
          case 'mlflowListArtifacts': {
            const id = text(input.runId) ?? text(input.runUuid);
            return !id || (await canReadRun(id)) ? args : null;
          }
          case 'mlflowGetMetricHistoryBulkInterval': {
            for (const id of strings(input.runIds)) if (!(await canReadRun(id))) return null;
            return args;
          }
          case 'mlflowSearchRuns':
          case 'mlflowSearchDatasets': {
            const ids = strings(input.experimentIds);
            if (ids.length === 0) return args;
            const readable = await ctx.rules.readableExperiments(ctx.user);
            const kept = ids.filter(readable);
            return kept.length === 0 ? null : { ...args, input: { ...input, experimentIds: kept } };
          }
          default:
            return args;
        }
      } catch (error) {
        if (isMlflowError(error)) return null;
        throw error;
      }
    },
    async filter(field, result) {
      if (field !== 'mlflowSearchModelVersions' || !result || typeof result !== 'object') return result;
      const page = result as { modelVersions?: Array<{ name?: string }> };
      if (!Array.isArray(page.modelVersions)) return result;
      const readable = await ctx.rules.readableRegisteredModels(ctx.user);
      return { ...page, modelVersions: page.modelVersions.filter((v) => readable(v.name ?? '')) };
    },
  };
}

/** The root resolvers with a guard around each, or as they are when there is none (admins, auth off). */
export function guardedRootValue<T extends Record<string, unknown>>(
  root: T,
  guard: GraphqlGuard | undefined,
): T {
  if (!guard) return root;
  const guarded: Record<string, unknown> = {};
  for (const [field, resolve] of Object.entries(root)) {
    if (typeof resolve !== 'function') {
      guarded[field] = resolve;
      continue;
    }
    guarded[field] = async (args: GraphqlArgs, context: unknown) => {
      const admitted = await guard.admit(field, args);
      if (admitted === null) return null;
      const result = await (resolve as Resolver)(admitted, context);
      return result == null ? result : guard.filter(field, result);
    };
  }
  return guarded as T;
}
