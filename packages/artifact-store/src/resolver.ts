import {
  type ArtifactRepository,
  appendToUriPath,
  type LoggedModelStore,
  MlflowError,
  parseLoggedModelUri,
  type RegistryStore,
  resolveModelsUri,
  type TrackingStore,
} from '@flowline/core';
import { createArtifactRegistry, schemeOf } from './registry.js';
import { parseRunsUri } from './runs-uri.js';

/** Opens the repository for a URI by its scheme; an `ArtifactRepositoryRegistry` is one. */
export interface RepositoryOpener {
  resolve(uri: string): ArtifactRepository | Promise<ArtifactRepository>;
}

/** What an `ArtifactResolver` needs: the scheme registry, and lookups for `runs:/` and `models:/`. */
export interface ArtifactResolverOptions {
  /** Repositories by scheme (default: `createArtifactRegistry()`). */
  repositories?: RepositoryOpener;
  /** The artifact root URI of a run, for `runs:/` (see `storeLookups`). */
  resolveRun?: (runId: string) => Promise<string>;
  /** The URI a `models:/` URI stands for right now: its version's source plus the path inside (see `storeLookups`). */
  resolveModel?: (uri: string) => Promise<string>;
}

/** Where a URI points: the repository of its root, and the normalised path inside it (`''` for the root). */
export interface ResolvedArtifact {
  repository: ArtifactRepository;
  path: string;
  /** The artifact URI it resolved to (a `runs:/` URI as the run's artifact URI plus the path). */
  uri: string;
}

/** Turns any artifact or model URI into a repository; the one resolver every package calls. */
export interface ArtifactResolver {
  /** The root repository and the path inside it that `uri` names. */
  resolve(uri: string): Promise<ResolvedArtifact>;
  /** A repository rooted at what `uri` names (a run's sub-folder, a model version's folder). */
  open(uri: string): Promise<ArtifactRepository>;
}

/** Says what resolving a `models:/` URI lacks: a store with logged models for a model id, else a registry. */
function missingLookup(uri: string): MlflowError {
  return MlflowError.invalidParameterValue(
    parseLoggedModelUri(uri)
      ? `Resolving '${uri}' needs a tracking store with logged models (MLflow 3): pass the tracking store, or set MLFLOW_TRACKING_URI.`
      : `Resolving '${uri}' needs a model registry.`,
  );
}

/** A model version's source may itself be a `models:/` URI; this many hops is surely a loop. */
const MAX_MODEL_HOPS = 8;

/**
 * The one way to resolve a URI: `runs:/<run_id>/<path>` through `resolveRun` (the path normalised and
 * kept inside the run's root), `models:/…` through `resolveModel` to its version's source (resolved in
 * turn), and anything else (`file:`, plain paths, `s3:`, `mlflow-artifacts:`, `http(s):`) by scheme.
 */
export function createArtifactResolver(options: ArtifactResolverOptions = {}): ArtifactResolver {
  const repositories = options.repositories ?? createArtifactRegistry();
  const resolve = async (uri: string, hops = 0): Promise<ResolvedArtifact> => {
    const scheme = schemeOf(uri);
    if (scheme === 'models') {
      if (!options.resolveModel) throw missingLookup(uri);
      if (hops >= MAX_MODEL_HOPS)
        throw MlflowError.invalidParameterValue(
          `'${uri}' resolves through more than ${MAX_MODEL_HOPS} models:/ sources; check the model versions' sources for a loop.`,
        );
      return resolve(await options.resolveModel(uri), hops + 1);
    }
    if (scheme === 'runs') {
      const { runId, path } = parseRunsUri(uri);
      if (!options.resolveRun)
        throw MlflowError.invalidParameterValue(`Resolving '${uri}' needs a tracking store.`);
      const root = await options.resolveRun(runId);
      return { repository: await repositories.resolve(root), path, uri: appendToUriPath(root, path) };
    }
    return { repository: await repositories.resolve(uri), path: '', uri };
  };
  return {
    resolve: (uri) => resolve(uri),
    async open(uri) {
      const resolved = await resolve(uri);
      return resolved.path === '' ? resolved.repository : repositories.resolve(resolved.uri);
    },
  };
}

/** What resolving a `models:/<model_id>` URI needs: a tracking store that has MLflow 3's logged models. */
export type LoggedModelLookup = Pick<LoggedModelStore, 'getLoggedModel'>;

/** A tracking store as `storeLookups` uses it: runs, and MLflow 3's logged models where it has them. */
export type LookupStore = Pick<TrackingStore, 'getRun'> & Partial<LoggedModelLookup>;

/** The store's logged-model lookup, when it has MLflow 3's logged-model API (an older or partial store may not). */
export function loggedModelLookupOf(store: unknown): LoggedModelLookup | undefined {
  const candidate = store as Partial<LoggedModelLookup> | undefined;
  return typeof candidate?.getLoggedModel === 'function' ? (candidate as LoggedModelLookup) : undefined;
}

/**
 * The artifact URI a `models:/<model_id>[/path]` URI stands for: the logged model's artifact location plus
 * the path; without a lookup, refused saying what is missing.
 */
export async function loggedModelLocation(
  uri: string,
  lookup: LoggedModelLookup | undefined,
): Promise<string> {
  const parsed = parseLoggedModelUri(uri);
  if (!parsed) throw MlflowError.invalidParameterValue(`'${uri}' does not name a logged model.`);
  if (!lookup) throw missingLookup(uri);
  const model = await lookup.getLoggedModel(parsed.modelId);
  return parsed.path ? appendToUriPath(model.artifactLocation, parsed.path) : model.artifactLocation;
}

/**
 * `resolveRun` and `resolveModel` over a tracking store and a model registry (MLflow's resolution of
 * `runs:/`, `models:/<name>/<version|stage|latest>` or `models:/<name>@<alias>` through the registry, and
 * MLflow 3's `models:/<model_id>[/path]` to the logged model's artifact location through the tracking
 * store). A registry given as a function is opened on the first registered-model URI only.
 */
export function storeLookups(stores: {
  store?: LookupStore;
  registry?: RegistryStore | (() => Promise<RegistryStore>);
}): Pick<ArtifactResolverOptions, 'resolveRun' | 'resolveModel'> {
  const { store, registry } = stores;
  const loggedModels = loggedModelLookupOf(store);
  let opened: Promise<RegistryStore> | undefined;
  const resolveModel = async (uri: string): Promise<string> => {
    if (parseLoggedModelUri(uri)) return loggedModelLocation(uri, loggedModels);
    if (!registry) throw missingLookup(uri);
    opened ??= typeof registry === 'function' ? registry() : Promise.resolve(registry);
    const { version, path } = await resolveModelsUri(uri, await opened);
    return appendToUriPath(version.source, path);
  };
  return {
    ...(store ? { resolveRun: async (runId: string) => (await store.getRun(runId)).info.artifactUri } : {}),
    ...(registry || loggedModels ? { resolveModel } : {}),
  };
}
