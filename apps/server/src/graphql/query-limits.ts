import { type DocumentNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

/** How large a GraphQL query may be, as MLflow's `graphql_no_batching.py` limits it. */
export interface GraphqlLimits {
  /** Root fields per query (`MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS`, default 10). */
  maxRootFields: number;
  /** Aliases in any one selection set (`MLFLOW_SERVER_GRAPHQL_MAX_ALIASES`, default 10). */
  maxAliases: number;
}

/** Nesting and total selections are fixed in MLflow. */
const MAX_DEPTH = 10;
const MAX_SELECTIONS = 1000;

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** The limits from MLflow's environment variables, or its defaults. */
export function limitsFromEnv(): GraphqlLimits {
  return {
    maxRootFields: envInt('MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS', 10),
    maxAliases: envInt('MLFLOW_SERVER_GRAPHQL_MAX_ALIASES', 10),
  };
}

/**
 * Checks a parsed query before it runs, so a batched or deeply nested query costs nothing: returns MLflow's
 * message for the first limit it breaks, or null. Fragments count where they are spread (a cycle is walked
 * once); MLflow's messages are kept word for word, as its tests and clients match them.
 */
export function checkQueryLimits(document: DocumentNode, limits: GraphqlLimits): string | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let rootFields = 0;
  let maxAliases = 0;
  let selections = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const stack: Array<[SelectionSetNode, number, ReadonlySet<string>]> = [
      [definition.selectionSet, 1, new Set()],
    ];
    while (stack.length > 0) {
      const [set, depth, visited] = stack.pop()!;
      if (depth > MAX_DEPTH) return `Query exceeds maximum depth of ${MAX_DEPTH}`;
      let aliases = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (depth === 1) rootFields++;
          if (selection.alias) aliases++;
          if (selection.selectionSet) stack.push([selection.selectionSet, depth + 1, visited]);
          if (++selections > MAX_SELECTIONS)
            return `Query exceeds maximum total selections of ${MAX_SELECTIONS}`;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          stack.push([selection.selectionSet, depth, visited]);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !visited.has(name))
            stack.push([fragment.selectionSet, depth, new Set([...visited, name])]);
        }
      }
      maxAliases = Math.max(maxAliases, aliases);
    }
  }
  const over = (what: string, limit: number, got: number, variable: string) =>
    `GraphQL queries should have at most ${limit} ${what}, got ${got} ${what}. To increase the limit, set the ${variable} environment variable.`;
  if (rootFields > limits.maxRootFields)
    return over('root fields', limits.maxRootFields, rootFields, 'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS');
  if (maxAliases > limits.maxAliases)
    return over('aliases', limits.maxAliases, maxAliases, 'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES');
  return null;
}
