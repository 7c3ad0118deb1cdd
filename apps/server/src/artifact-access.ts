import {
  type ArtifactRepositoryRegistry,
  createArtifactRegistry,
  mlflowArtifactsPath,
  SubArtifactRepository,
} from '@flowline/artifact-store';
import { type ArtifactRepository, ErrorCode, MlflowError } from '@flowline/core';

/** How the server reaches artifacts: the scheme registry, and the proxy's destination when it serves them. */
export interface ArtifactAccess {
  /** Repositories by scheme; its `mlflow-artifacts` scheme opens folders of `destination`. */
  registry: ArtifactRepositoryRegistry;
  /** Where `mlflow-artifacts:` paths live (`--artifacts-destination`); null with `--no-serve-artifacts`. */
  destination: ArtifactRepository | null;
}

/**
 * Artifact access for a destination URI (or none when artifacts are not served). The server serves
 * `mlflow-artifacts:` itself, so on its registry that scheme is registered to open the path inside the
 * destination (or to answer that artifacts are not served) rather than to call a proxy over HTTP.
 */
export function createArtifactAccess(
  destinationUri: string | null,
  registry: ArtifactRepositoryRegistry = createArtifactRegistry(),
): ArtifactAccess {
  const destination = destinationUri === null ? null : registry.resolve(destinationUri);
  registry.register('mlflow-artifacts', (uri) => {
    if (!destination) throw notServing();
    return new SubArtifactRepository(destination, mlflowArtifactsPath(uri), uri);
  });
  return { registry, destination };
}

/** MLflow's answer when the proxy is off. */
export function notServing(): MlflowError {
  return new MlflowError(
    ErrorCode.TEMPORARILY_UNAVAILABLE,
    'This server does not serve artifacts (started with --no-serve-artifacts). Start it with --serve-artifacts, or read the artifact store directly.',
  );
}

/** The repository holding a run's artifacts, from its artifact URI (any scheme of the access's registry). */
export function repositoryFor(access: ArtifactAccess, artifactUri: string): ArtifactRepository {
  return access.registry.resolve(artifactUri);
}
