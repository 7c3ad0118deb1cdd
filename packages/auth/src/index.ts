export type { AuthConfig } from './auth-config.js';
export {
  authConfigFromText,
  BASIC_AUTH_FUNCTION,
  DEFAULT_ADMIN_PASSWORD,
  DEFAULT_AUTH_CONFIG_TEXT,
  parseIni,
  readAuthConfig,
} from './auth-config.js';
export type {
  AuthStore,
  AuthUser,
  ExperimentPermission,
  RegisteredModelPermission,
  ScorerPermission,
  UserDetails,
} from './auth-store.js';
export { DEFAULT_WORKSPACE } from './auth-store.js';
export type { CredentialCacheOptions } from './credential-cache.js';
export { CredentialCache } from './credential-cache.js';
export type { AuthDatabase } from './database.js';
export type { LoginLimiterOptions } from './login-limiter.js';
export { LoginLimiter } from './login-limiter.js';
export type { AuthMigrationReport } from './migrations/migrate-auth-database.js';
export { AUTH_HEAD_REVISION, migrateAuthDatabase } from './migrations/migrate-auth-database.js';
export { hashPassword, verifyPassword } from './password-hash.js';
export { PermissionRules } from './permission-rules.js';
export type { Access, Permission, PermissionName } from './permissions.js';
export {
  ALL_PERMISSIONS,
  allows,
  EDIT,
  isPermissionName,
  MANAGE,
  NO_PERMISSIONS,
  permissionNamed,
  READ,
  USE,
  validatePermission,
} from './permissions.js';
export type { SqlAuthStoreOptions } from './sql-auth-store.js';
export { SqlAuthStore } from './sql-auth-store.js';
