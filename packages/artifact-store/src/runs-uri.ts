import { appendToUriPath, MlflowError, type TrackingStore } from '@flowline/core';
import { normalizeArtifactPath } from './path-safety.js';

/**
 * `a/./b/../c` as `a/c`: `.` and `..` segments resolved against the path itself, so a `runs:/` path can
 * name a file the way a shell would. A `..` with nothing left to go up from is refused: it would leave the
 * run's artifact root.
 */
function collapseDots(uri: string, path: string): string {
  const kept: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') kept.push(segment);
    else if (kept.pop() === undefined)
      throw MlflowError.invalidParameterValue(
        `Invalid path in '${uri}': '..' leads above the run's artifact root. Name a path inside the run's artifacts.`,
      );
  }
  return kept.join('/');
}

/**
 * The run id and artifact path of a `runs:/<run_id>/<path>` URI. The path is normalised (`a/../b` → `b`)
 * and then checked as every artifact path is; one that climbs above the run's root is refused.
 */
export function parseRunsUri(uri: string): { runId: string; path: string } {
  const match = /^runs:\/\/?([^/]+)\/?(.*)$/.exec(uri);
  if (!match)
    throw MlflowError.invalidParameterValue(`Invalid runs URI '${uri}': expected runs:/<run_id>/<path>.`);
  return { runId: match[1]!, path: normalizeArtifactPath(collapseDots(uri, match[2]!)) };
}

/** The artifact URI a `runs:/` URI stands for, looked up through the tracking store (MLflow's resolution). */
export async function resolveRunsUri(
  uri: string,
  store: Pick<TrackingStore, 'getRun'>,
): Promise<{ artifactUri: string; runId: string; path: string }> {
  const { runId, path } = parseRunsUri(uri);
  const run = await store.getRun(runId);
  return { artifactUri: appendToUriPath(run.info.artifactUri, path), runId, path };
}
