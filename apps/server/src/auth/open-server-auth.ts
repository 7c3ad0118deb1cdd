import { type AuthConfig, DEFAULT_ADMIN_PASSWORD, readAuthConfig, SqlAuthStore } from '@flowline/auth';
import { isMlflowError, MlflowError } from '@flowline/core';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerAuth } from './auth-plugin.js';

/** The `--app-name` values Flowline knows (MLflow's flag; it loads apps by plugin name). */
export const APP_NAMES: readonly string[] = ['basic-auth'];

/** MLflow's `create_admin_user`: the configured admin, made on first start (another worker may race it). */
export async function createAdminUser(
  store: SqlAuthStore,
  config: AuthConfig,
  logger: FastifyBaseLogger,
): Promise<void> {
  if (await store.hasUser(config.adminUsername)) return;
  try {
    await store.createUser(config.adminUsername, config.adminPassword, { isAdmin: true });
    logger.info(
      `Created admin user '${config.adminUsername}'. It is recommended that you set a new password as soon as possible on /api/2.0/mlflow/users/update-password.`,
    );
  } catch (error) {
    if (isMlflowError(error) && error.errorCode === 'RESOURCE_ALREADY_EXISTS') return;
    throw error;
  }
}

/**
 * Opens what `--app-name` asks for: for `basic-auth`, MLflow's auth configuration
 * (`MLFLOW_AUTH_CONFIG_PATH`), its database (migrated to MLflow 3.10's auth head) and the admin user.
 * Undefined without an app name; an unknown name is refused.
 */
export async function openServerAuth(
  appName: string | undefined,
  logger: FastifyBaseLogger,
): Promise<(ServerAuth & { close(): Promise<void> }) | undefined> {
  if (appName === undefined || appName === '') return undefined;
  if (!APP_NAMES.includes(appName))
    throw MlflowError.invalidParameterValue(
      `Unknown --app-name '${appName}'; Flowline serves ${APP_NAMES.join(', ')} (MLflow's built-in apps).`,
    );
  const config = await readAuthConfig();
  const store = await SqlAuthStore.open(config.databaseUri);
  try {
    await createAdminUser(store, config, logger);
  } catch (error) {
    await store.close();
    throw error;
  }
  if (config.adminPassword === DEFAULT_ADMIN_PASSWORD)
    logger.warn(
      `The admin user '${config.adminUsername}' has MLflow's default password; change it on /api/2.0/mlflow/users/update-password, or set admin_password in MLFLOW_AUTH_CONFIG_PATH before the first start.`,
    );
  logger.info(
    { authDatabase: store.uri, defaultPermission: config.defaultPermission, migration: store.migration },
    'basic-auth enabled',
  );
  return { store, config, close: () => store.close() };
}
