import type { ArtifactResolver } from '@flowline/artifact-store';
import { appendToUriPath, type LoggedModelStore, MlflowError, parseLoggedModelUri } from '@flowline/core';

/** What resolving a `models:/<model_id>` URI needs: a tracking store that has MLflow 3's logged models. */
export type LoggedModelLookup = Pick<LoggedModelStore, 'getLoggedModel'>;

/** The store's logged-model lookup, when it has MLflow 3's logged-model API (an older or partial store may not). */
export function loggedModelLookupOf(store: unknown): LoggedModelLookup | undefined {
  const candidate = store as Partial<LoggedModelLookup> | undefined;
  return typeof candidate?.getLoggedModel === 'function' ? (candidate as LoggedModelLookup) : undefined;
}

/** The artifact URI a `models:/<model_id>[/path]` URI stands for: the logged model's artifact location. */
export async function loggedModelLocation(
  uri: string,
  lookup: LoggedModelLookup | undefined,
): Promise<string> {
  const parsed = parseLoggedModelUri(uri);
  if (!parsed) throw MlflowError.invalidParameterValue(`'${uri}' does not name a logged model.`);
  if (!lookup)
    throw MlflowError.invalidParameterValue(
      `Resolving '${uri}' needs a tracking store with logged models (MLflow 3): pass the tracking store, or set MLFLOW_TRACKING_URI.`,
    );
  const model = await lookup.getLoggedModel(parsed.modelId);
  return parsed.path ? appendToUriPath(model.artifactLocation, parsed.path) : model.artifactLocation;
}

/** A resolver that first turns a `models:/<model_id>` URI into its artifact location, then asks `resolver`. */
export function resolverWithLoggedModels(
  resolver: ArtifactResolver,
  lookup: LoggedModelLookup | undefined,
): ArtifactResolver {
  if (!lookup) return resolver;
  const location = async (uri: string) => (parseLoggedModelUri(uri) ? loggedModelLocation(uri, lookup) : uri);
  return {
    resolve: async (uri) => resolver.resolve(await location(uri)),
    open: async (uri) => resolver.open(await location(uri)),
  };
}
