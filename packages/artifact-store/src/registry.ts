import { type ArtifactRepository, MlflowError } from '@flowline/core';
import {
  type HttpArtifactOptions,
  HttpArtifactRepository,
} from './repositories/http/http-artifact-repository.js';
import { LocalArtifactRepository } from './repositories/local/local-artifact-repository.js';
import { S3ArtifactRepository, type S3Options } from './repositories/s3/s3-artifact-repository.js';

/** Options passed to every repository factory. */
export interface RepositoryOptions {
  s3?: S3Options;
  http?: HttpArtifactOptions;
}

/** Makes a repository for a URI of its scheme. */
export type RepositoryFactory = (uri: string, options: RepositoryOptions) => ArtifactRepository;

/** The scheme of a URI (`file` for plain paths). */
export function schemeOf(uri: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  // A Windows drive letter is a path, not a scheme.
  return match && match[1]!.length > 1 ? match[1]!.toLowerCase() : 'file';
}

/**
 * Picks the artifact repository for a URI by its scheme, as MLflow does. A new scheme is one `register`
 * call; nothing else changes.
 */
export class ArtifactRepositoryRegistry {
  readonly #factories = new Map<string, RepositoryFactory>();
  readonly #options: RepositoryOptions;

  constructor(options: RepositoryOptions = {}) {
    this.#options = options;
  }

  /** Adds (or replaces) the factory for a scheme. */
  register(scheme: string, factory: RepositoryFactory): this {
    this.#factories.set(scheme.toLowerCase(), factory);
    return this;
  }

  /** The schemes this registry knows. */
  schemes(): string[] {
    return [...this.#factories.keys()];
  }

  /** A repository for the URI. */
  resolve(uri: string): ArtifactRepository {
    const scheme = schemeOf(uri);
    const factory = this.#factories.get(scheme);
    if (!factory) {
      throw MlflowError.invalidParameterValue(
        `No artifact repository for scheme '${scheme}' (in '${uri}'). Known schemes: ${this.schemes().join(', ')}.`,
      );
    }
    return factory(uri, this.#options);
  }
}

/** A registry with Flowline's repositories: local paths and `file:`, `s3:`, `mlflow-artifacts:`, `http(s):`. */
export function createArtifactRegistry(options: RepositoryOptions = {}): ArtifactRepositoryRegistry {
  const http: RepositoryFactory = (uri, o) => new HttpArtifactRepository(uri, o.http);
  return new ArtifactRepositoryRegistry(options)
    .register('file', (uri) => new LocalArtifactRepository(uri))
    .register('s3', (uri, o) => new S3ArtifactRepository(uri, o.s3))
    .register('mlflow-artifacts', http)
    .register('http', http)
    .register('https', http);
}
