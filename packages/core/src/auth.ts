/**
 * The Authorization header MLflow's clients send: `MLFLOW_TRACKING_TOKEN` as a bearer token (wins), else
 * `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD` as basic auth.
 */
export function authHeadersFromEnv(
  env: Record<string, string | undefined> = process.env,
  explicit: { token?: string; username?: string; password?: string } = {},
): Record<string, string> {
  const token = explicit.token ?? (env.MLFLOW_TRACKING_TOKEN || undefined);
  if (token) return { authorization: `Bearer ${token}` };
  const username = explicit.username ?? (env.MLFLOW_TRACKING_USERNAME || undefined);
  const password = explicit.password ?? (env.MLFLOW_TRACKING_PASSWORD || undefined);
  if (username !== undefined && password !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  }
  return {};
}
