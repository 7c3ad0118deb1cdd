import { Readable } from 'node:stream';
import {
  type ArtifactRepository,
  parseLoggedModelUri,
  parseModelsUri,
  type RegistryStore,
  type TrackingStore,
  type TransferOptions,
} from '@flowline/core';
import { checkPng, downloadFolder, openArtifactRepository, parseRunsUri } from './artifacts.js';

/** Writes bytes as one artifact file. */
export async function writeBytes(repository: ArtifactRepository, file: string, bytes: Buffer): Promise<void> {
  await repository.writeArtifact(file, Readable.from(bytes), { size: bytes.length });
}

/** An object as `log_dict` writes it: YAML for `.yaml`/`.yml` files, else indented JSON. */
export async function dictText(value: unknown, artifactFile: string): Promise<string> {
  const yaml = /\.ya?ml$/i.test(artifactFile);
  return yaml ? (await import('yaml')).stringify(value) : `${JSON.stringify(value, null, 2)}\n`;
}

/** PNG bytes, checked (as `log_image` takes them). */
export const pngBytes: (png: Uint8Array) => Buffer = checkPng;

/** What `downloadArtifacts` asks for. */
export type DownloadRequest = TransferOptions & {
  runId?: string;
  artifactPath?: string;
  artifactUri?: string;
  dstPath?: string;
};

/** What a download needs from its tracker. */
export interface DownloadContext {
  store: TrackingStore;
  trackingUri: string;
  /** A run's artifact repository (the given run, or the active one). */
  runRepository(runId?: string): Promise<ArtifactRepository>;
  registry(): Promise<RegistryStore>;
}

/**
 * Downloads artifacts to a local folder (a new temporary one by default) and returns the local path: from
 * a run (`runId` + `artifactPath`), or from any artifact URI (`runs:/…`, `s3://…`, `mlflow-artifacts:/…`).
 */
export async function downloadArtifacts(options: DownloadRequest, context: DownloadContext): Promise<string> {
  const destination = options.dstPath ?? (await downloadFolder());
  const { artifactUri } = options;
  if (artifactUri?.startsWith('runs:')) {
    const { runId, path } = await parseRunsUri(artifactUri);
    return (await context.runRepository(runId)).downloadArtifacts(path, destination, options);
  }
  if (artifactUri) {
    // `models:/` URIs resolve through the tracker's registry (and its logged models).
    const model = artifactUri.startsWith('models:');
    const at = {
      store: context.store,
      trackingUri: context.trackingUri,
      ...(model ? { registry: await context.registry() } : {}),
    };
    // A whole model (no path inside it): its folder.
    if (model && modelPathOf(artifactUri) === '')
      return (await openArtifactRepository(artifactUri, at)).downloadArtifacts('', destination, options);
    // Open the parent and fetch the last segment, which works whether the URI names a file or a folder.
    const uri = artifactUri.replace(/\/+$/, '');
    const cut = uri.lastIndexOf('/');
    const repository = await openArtifactRepository(uri.slice(0, cut), at);
    return repository.downloadArtifacts(decodeURIComponent(uri.slice(cut + 1)), destination, options);
  }
  return (await context.runRepository(options.runId)).downloadArtifacts(
    options.artifactPath ?? '',
    destination,
    options,
  );
}

/** The path inside the model a `models:/` URI names (`''` for the whole model). */
function modelPathOf(uri: string): string {
  const logged = parseLoggedModelUri(uri);
  return (logged ? logged.path : parseModelsUri(uri).path).replace(/\/+$/, '');
}
