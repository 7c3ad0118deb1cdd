import { type ArtifactResolver, type LoggedModelLookup, loggedModelLocation } from '@flowline/artifact-store';
import { parseLoggedModelUri } from '@flowline/core';

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
