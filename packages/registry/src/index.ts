export type { RegistryStore } from '@flowline/core';
export type { SourcePolicy } from './context.js';
export type { ModelsUri } from './models-uri.js';
export { parseModelsUri, resolveModelsUri } from './models-uri.js';
export { validateSource } from './source-validation.js';
export type { SqlRegistryStoreOptions } from './sql-registry-store.js';
export { SqlRegistryStore } from './sql-registry-store.js';
export { canonicalStage, checkAlias } from './versions.js';
