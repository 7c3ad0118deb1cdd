import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactRepository,
  importOptional,
  MlflowError,
  type RegistryStore,
  type TrackingStore,
} from '@flowline/core';
import { openRegistry } from './open-store.js';

type ArtifactStoreModule = typeof import('@flowline/artifact-store');
type ArtifactResolver = import('@flowline/artifact-store').ArtifactResolver;

function artifactStore(): Promise<ArtifactStoreModule> {
  return importOptional(
    '@flowline/artifact-store',
    'to log and download artifacts',
    () => import('@flowline/artifact-store'),
  );
}

/** Where artifact URIs are resolved: the tracking store, the tracking URI (for its proxy) and the registry. */
export interface ArtifactContext {
  store?: TrackingStore;
  trackingUri: string;
  headers?: Record<string, string>;
  /** The registry for `models:/` URIs; opened from the tracking URI on the first one when not given. */
  registry?: RegistryStore;
}

/**
 * The artifact store's resolver for a tracking URI: `runs:/` through the tracking store, `models:/` through
 * the registry (to the version's source, resolved in turn), `mlflow-artifacts:` through the tracking server.
 */
export async function artifactResolver(context: ArtifactContext): Promise<ArtifactResolver> {
  const mod = await artifactStore();
  const http = /^https?:\/\//.test(context.trackingUri)
    ? { trackingUri: context.trackingUri, headers: context.headers }
    : undefined;
  const { store } = context;
  return mod.createArtifactResolver({
    repositories: mod.createArtifactRegistry({ http }),
    ...mod.storeLookups({
      store,
      registry: context.registry ?? (() => openRegistry(context.trackingUri, { trackingStore: store })),
    }),
  });
}

/** The repository for an artifact URI (`runs:/`, `models:/`, `mlflow-artifacts:`, files, S3, …). */
export async function openArtifactRepository(
  uri: string,
  context: ArtifactContext,
): Promise<ArtifactRepository> {
  return (await artifactResolver(context)).open(uri);
}

/** A run's artifact repository. */
export async function runArtifactRepository(
  runId: string,
  context: { store: TrackingStore; trackingUri: string; headers?: Record<string, string> },
): Promise<ArtifactRepository> {
  const run = await context.store.getRun(runId);
  return openArtifactRepository(run.info.artifactUri, context);
}

/** A fresh local folder for downloads when the caller names none (as MLflow uses a temp dir). */
export async function downloadFolder(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  return mkdtemp(join(tmpdir(), 'flowline-download-'));
}

/** Run id and path of a `runs:/<run_id>/<path>` URI (the artifact store's parser, loaded on first use). */
export async function parseRunsUri(uri: string): Promise<{ runId: string; path: string }> {
  return (await artifactStore()).parseRunsUri(uri);
}

/** The PNG file signature. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Refuses bytes that are not a PNG image, naming what to do. */
export function checkPng(bytes: Uint8Array): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || !buffer.subarray(0, 8).equals(PNG)) {
    throw MlflowError.invalidParameterValue(
      'logImage takes PNG bytes (starting with the PNG signature); encode the image as PNG first.',
    );
  }
  return buffer;
}
