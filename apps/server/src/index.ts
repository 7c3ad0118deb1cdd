export type { ServerOptions } from './build-server.js';
export { API_PREFIXES, buildServer } from './build-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
export { startServer } from './start-server.js';
export { SERVER_VERSION } from './version.js';
