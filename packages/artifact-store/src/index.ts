export type { ArtifactRepository, ArtifactStream, FileInfo, TransferOptions } from '@flowline/core';
export { BaseArtifactRepository, progressTap } from './base-repository.js';
export { joinArtifactPath, normalizeArtifactPath, resolveInsideRoot } from './path-safety.js';
export type { RepositoryFactory, RepositoryOptions } from './registry.js';
export { ArtifactRepositoryRegistry, createArtifactRegistry, schemeOf } from './registry.js';
export type { HttpArtifactOptions } from './repositories/http/http-artifact-repository.js';
export {
  HttpArtifactRepository,
  mlflowArtifactsPath,
  PROXY_PATH,
  parseProxyUri,
} from './repositories/http/http-artifact-repository.js';
export {
  LocalArtifactRepository,
  localPathOf,
  sortListing,
} from './repositories/local/local-artifact-repository.js';
export type { PresignedPart, S3Options } from './repositories/s3/s3-artifact-repository.js';
export { parseS3Uri, S3ArtifactRepository } from './repositories/s3/s3-artifact-repository.js';
export type {
  ArtifactResolver,
  ArtifactResolverOptions,
  LoggedModelLookup,
  LookupStore,
  RepositoryOpener,
  ResolvedArtifact,
} from './resolver.js';
export {
  createArtifactResolver,
  loggedModelLocation,
  loggedModelLookupOf,
  storeLookups,
} from './resolver.js';
export { parseRunsUri, resolveRunsUri } from './runs-uri.js';
export { SubArtifactRepository } from './sub-repository.js';
