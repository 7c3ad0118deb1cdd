export type { ArtifactAccess } from './artifact-access.js';
export { createArtifactAccess, repositoryFor } from './artifact-access.js';
export type { ServerOptions } from './build-server.js';
export { API_PREFIXES, ARTIFACT_PREFIXES, buildServer } from './build-server.js';
export type { ScoringServerOptions } from './scoring-server.js';
export { buildScoringServer, parseCsvInput, parseInvocation } from './scoring-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
export { startServer } from './start-server.js';
export { SERVER_VERSION } from './version.js';
