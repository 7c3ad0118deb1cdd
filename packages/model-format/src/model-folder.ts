import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactResolver,
  createArtifactResolver,
  type LookupStore,
  localPathOf,
  loggedModelLookupOf,
  schemeOf,
  storeLookups,
} from '@flowline/artifact-store';
import { type ArtifactRepository, MlflowError, type RegistryStore } from '@flowline/core';
import type { FlavorRegistry } from './flavor.js';
import { resolverWithLoggedModels } from './logged-model-uri.js';

/** How `loadModel` reaches remote models: a resolver, or the stores and repositories to build one from. */
export interface LoadModelContext {
  /**
   * Resolves `runs:/`, `models:/` and artifact URIs (`createArtifactResolver` from `@flowline/artifact-store`);
   * a `models:/<model_id>` URI is first turned into the logged model's artifact location when `store` has logged models.
   */
  resolver?: ArtifactResolver;
  /** Without a resolver: opens an artifact repository by URI (default: `createArtifactRegistry()`). */
  openRepository?: (uri: string) => Promise<ArtifactRepository>;
  /**
   * The tracking store `runs:/` URIs (without a resolver) and `models:/<model_id>` URIs (MLflow 3's logged
   * models, when it has `getLoggedModel`) are looked up in.
   */
  store?: LookupStore;
  /** Without a resolver: the registry `models:/` URIs are looked up in. */
  registry?: RegistryStore;
  flavors?: FlavorRegistry;
}

/** A local folder holding a model; `close` removes it when it is a downloaded copy (and does nothing otherwise). */
export interface ModelFolder {
  dir: string;
  /** Whether `dir` is a temporary copy this call downloaded. */
  downloaded: boolean;
  close(): Promise<void>;
}

function resolverOf(context: LoadModelContext): ArtifactResolver {
  const loggedModels = loggedModelLookupOf(context.store);
  if (context.resolver) return resolverWithLoggedModels(context.resolver, loggedModels);
  const { openRepository } = context;
  // `models:/<model_id>` (MLflow 3) goes to the logged model, registered versions to the registry.
  return createArtifactResolver({
    ...(openRepository ? { repositories: { resolve: openRepository } } : {}),
    ...storeLookups({ store: context.store, registry: context.registry }),
  });
}

/**
 * The local folder of the model at `uri`: a folder or `file://` URI (percent-decoded) as it is, anything
 * else (`runs:/`, `models:/` including MLflow 3's `models:/<model_id>`, `s3://`, `mlflow-artifacts:`, …) downloaded through the artifact resolver
 * into a fresh temporary folder that `close` removes. A local path that does not exist is refused naming
 * that path.
 */
export async function openModelFolder(uri: string, context: LoadModelContext = {}): Promise<ModelFolder> {
  if (schemeOf(uri) === 'file') {
    const dir = localPathOf(uri);
    const info = await stat(dir).catch(() => null);
    if (!info)
      throw MlflowError.resourceDoesNotExist(
        `No model folder at '${uri}': the path does not exist. Give a model folder, or a runs:/, models:/ or artifact URI.`,
      );
    if (!info.isDirectory())
      throw MlflowError.invalidParameterValue(
        `'${uri}' is a file; a model is a folder holding an MLmodel file.`,
      );
    return { dir, downloaded: false, close: async () => {} };
  }
  const { repository, path } = await resolverOf(context).resolve(uri);
  const staging = await mkdtemp(join(tmpdir(), 'flowline-load-'));
  const close = () => rm(staging, { recursive: true, force: true });
  try {
    return { dir: await repository.downloadArtifacts(path, join(staging, 'model')), downloaded: true, close };
  } catch (error) {
    await close();
    throw error;
  }
}
