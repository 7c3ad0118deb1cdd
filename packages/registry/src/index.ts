export type { ModelsUri, RegistryStore } from '@flowline/core';
export { parseModelsUri, resolveModelsUri } from '@flowline/core';
export type { SourcePolicy } from './context.js';
export { validateSource } from './source-validation.js';
export type { SqlRegistryStoreOptions } from './sql-registry-store.js';
export { SqlRegistryStore } from './sql-registry-store.js';
export { canonicalStage, checkAlias } from './versions.js';
