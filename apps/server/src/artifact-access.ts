import {
  type ArtifactRepositoryRegistry,
  createArtifactRegistry,
  normalizeArtifactPath,
  SubArtifactRepository,
} from '@flowline/artifact-store';
import { type ArtifactRepository, ErrorCode, MlflowError } from '@flowline/core';

/** How the server reaches artifacts: the scheme registry, and the proxy's destination when it serves them. */
export interface ArtifactAccess {
  registry: ArtifactRepositoryRegistry;
  /** Where `mlflow-artifacts:` paths live (`--artifacts-destination`); null with `--no-serve-artifacts`. */
  destination: ArtifactRepository | null;
}

/** Artifact access for a destination URI (or none when artifacts are not served). */
export function createArtifactAccess(
  destinationUri: string | null,
  registry = createArtifactRegistry(),
): ArtifactAccess {
  return { registry, destination: destinationUri === null ? null : registry.resolve(destinationUri) };
}

/** MLflow's answer when the proxy is off. */
export function notServing(): MlflowError {
  return new MlflowError(
    ErrorCode.TEMPORARILY_UNAVAILABLE,
    'This server does not serve artifacts (started with --no-serve-artifacts). Start it with --serve-artifacts, or read the artifact store directly.',
  );
}

/** The repository holding a run's artifacts, from its artifact URI. */
export function repositoryFor(access: ArtifactAccess, artifactUri: string): ArtifactRepository {
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    if (!access.destination) throw notServing();
    const path = artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '');
    return new SubArtifactRepository(access.destination, normalizeArtifactPath(path), artifactUri);
  }
  return access.registry.resolve(artifactUri);
}
