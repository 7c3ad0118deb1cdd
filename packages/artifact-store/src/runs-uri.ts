import { appendToUriPath, MlflowError, type TrackingStore } from '@flowline/core';
import { normalizeArtifactPath } from './path-safety.js';

/** The run id and artifact path of a `runs:/<run_id>/<path>` URI. */
export function parseRunsUri(uri: string): { runId: string; path: string } {
  const match = /^runs:\/\/?([^/]+)\/?(.*)$/.exec(uri);
  if (!match)
    throw MlflowError.invalidParameterValue(`Invalid runs URI '${uri}': expected runs:/<run_id>/<path>.`);
  return { runId: match[1]!, path: normalizeArtifactPath(match[2]) };
}

/** The artifact URI a `runs:/` URI stands for, looked up through the tracking store (MLflow's resolution). */
export async function resolveRunsUri(
  uri: string,
  store: TrackingStore,
): Promise<{ artifactUri: string; runId: string; path: string }> {
  const { runId, path } = parseRunsUri(uri);
  const run = await store.getRun(runId);
  return {
    artifactUri: path ? appendToUriPath(run.info.artifactUri, path) : run.info.artifactUri,
    runId,
    path,
  };
}
