import { MlflowError } from './errors.js';
import type { ModelVersion, RegistryStore } from './registry-store.js';

/** A parsed `models:/` URI: by version, by stage, the latest, or by alias, plus a path inside the model. */
export type ModelsUri =
  | { name: string; version: string; path: string }
  | { name: string; stage: string; path: string }
  | { name: string; latest: true; path: string }
  | { name: string; alias: string; path: string };

/** Parses `models:/<name>/<version|stage|latest>[/path]` and `models:/<name>@<alias>[/path]`. */
export function parseModelsUri(uri: string): ModelsUri {
  const match = /^models:\/\/?(.+)$/.exec(uri);
  if (!match)
    throw MlflowError.invalidParameterValue(
      `Invalid model URI '${uri}': expected models:/<name>/<version|stage|latest> or models:/<name>@<alias>.`,
    );
  const rest = match[1]!;
  const at = /^([^/@]+)@([\w-]+)(?:\/(.*))?$/.exec(rest);
  if (at) return { name: at[1]!, alias: at[2]!, path: at[3] ?? '' };
  const [name, selector, ...path] = rest.split('/');
  if (!name || !selector)
    throw MlflowError.invalidParameterValue(
      `Invalid model URI '${uri}': give a version, a stage, 'latest' or @alias.`,
    );
  if (/^\d+$/.test(selector)) return { name, version: selector, path: path.join('/') };
  if (selector.toLowerCase() === 'latest') return { name, latest: true, path: path.join('/') };
  return { name, stage: selector, path: path.join('/') };
}

/** The model version a `models:/` URI names right now (an alias or stage resolves at call time). */
export async function resolveModelsUri(
  uri: string,
  registry: RegistryStore,
): Promise<{ version: ModelVersion; path: string }> {
  const parsed = parseModelsUri(uri);
  let version: ModelVersion | undefined;
  if ('version' in parsed) version = await registry.getModelVersion(parsed.name, parsed.version);
  else if ('alias' in parsed) version = await registry.getModelVersionByAlias(parsed.name, parsed.alias);
  else if ('stage' in parsed) {
    version = (await registry.getLatestVersions(parsed.name, [parsed.stage]))[0];
    if (!version)
      throw MlflowError.resourceDoesNotExist(
        `No versions of model '${parsed.name}' are in stage '${parsed.stage}'.`,
      );
  } else {
    const all = await registry.searchModelVersions({
      filter: `name = '${parsed.name.replaceAll("'", "''")}'`,
      orderBy: ['version_number DESC'],
      maxResults: 1,
    });
    version = all.items[0];
    if (!version)
      throw MlflowError.resourceDoesNotExist(`Registered model '${parsed.name}' has no versions.`);
  }
  return { version, path: parsed.path };
}

// MLflow's model ids are `m-` and 32 hex digits; only such an id may be followed by a path, so that
// `models:/<name>/<version>` keeps meaning a registered version.
const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

/**
 * The logged model a `models:/<model_id>[/path]` URI names (MLflow 3: a single segment with no `@` is a
 * model id), with the path inside it; null for a registered-model URI (`models:/<name>/<version>`,
 * `models:/<name>@<alias>`) or any other URI.
 */
export function parseLoggedModelUri(uri: string): { modelId: string; path: string } | null {
  const match = /^models:\/\/?([^/@]+)(?:\/(.*))?$/i.exec(uri);
  if (!match) return null;
  const [, modelId, path] = match;
  if (path === undefined || path === '') return { modelId: modelId!, path: '' };
  return LOGGED_MODEL_ID.test(modelId!) ? { modelId: modelId!, path } : null;
}
