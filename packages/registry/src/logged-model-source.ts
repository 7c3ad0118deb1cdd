import { appendToUriPath, dumpMlflowJson, LoggedModelTagKey, parseLoggedModelUri } from '@flowline/core';
import type { SourcePolicy } from './context.js';

// MLflow 3 links a registered version to a logged model through its source `models:/<model_id>`, the
// model's artifact location as the version's storage location, the model's run as the version's run, and
// the model's `mlflow.modelVersions` tag listing every version made from it.

/** What a version made from a logged model stores: the model's id, files and run. */
export interface LoggedModelSource {
  modelId: string;
  storageLocation: string;
  runId?: string;
}

/**
 * The logged model a new version comes from: named by a `models:/<model_id>` source or by `modelId`
 * (MLflow's `CreateModelVersion.model_id`), null when neither. With the tracking store's logged models the
 * version stores the model's artifact location and source run; without them a `models:/<model_id>` source
 * is kept as its own storage location (resolved by whoever loads it) and nothing is looked up.
 */
export async function loggedModelSource(
  policy: SourcePolicy,
  source: string,
  modelId?: string,
): Promise<LoggedModelSource | null> {
  const parsed = parseLoggedModelUri(source);
  const id = parsed?.modelId ?? (modelId || undefined);
  if (!id) return null;
  if (!policy.loggedModels) return parsed ? { modelId: id, storageLocation: source } : null;
  const model = await policy.loggedModels.getLoggedModel(id);
  const storageLocation = !parsed
    ? source
    : parsed.path
      ? appendToUriPath(model.artifactLocation, parsed.path)
      : model.artifactLocation;
  return { modelId: id, storageLocation, ...(model.sourceRunId ? { runId: model.sourceRunId } : {}) };
}

/**
 * Adds `{"name": …, "version": …}` to the logged model's `mlflow.modelVersions` tag (once), in Python's
 * `json.dumps` form (ASCII) as MLflow writes it: `[{"name": "model", "version": 1}]`. Does nothing without the
 * tracking store's logged models.
 */
export async function recordModelVersion(
  policy: SourcePolicy,
  modelId: string,
  name: string,
  version: number,
): Promise<void> {
  const store = policy.loggedModels;
  if (!store) return;
  const model = await store.getLoggedModel(modelId);
  const current = model.tags[LoggedModelTagKey.MODEL_VERSIONS];
  let listed: Array<{ name: string; version: number }> = [];
  try {
    const parsed: unknown = current ? JSON.parse(current) : [];
    if (Array.isArray(parsed)) listed = parsed as typeof listed;
  } catch {
    // A tag that is not JSON is replaced by a well-formed list rather than failing the registration.
  }
  if (listed.some((v) => v?.name === name && Number(v?.version) === version)) return;
  listed.push({ name, version });
  const text = dumpMlflowJson(listed, { ascii: true });
  await store.setLoggedModelTags(modelId, { [LoggedModelTagKey.MODEL_VERSIONS]: text });
}
