import { open, readdir, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type ArtifactStream, type FileInfo, MlflowError, type TransferOptions } from '@flowline/core';
import { BaseArtifactRepository, STREAM_CHUNK, withProgress } from '../../base-repository.js';
import { joinArtifactPath, normalizeArtifactPath, resolveInsideRoot } from '../../path-safety.js';
import { isPartialName, writeAtomically } from './atomic-write.js';

/** The local folder a plain path or `file:` URI names. */
export function localPathOf(uri: string): string {
  return uri.startsWith('file:')
    ? fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`)
    : uri;
}

/** Artifacts in a local folder (plain paths and `file://` URIs), as MLflow's local repository. */
export class LocalArtifactRepository extends BaseArtifactRepository {
  readonly uri: string;
  readonly root: string;

  constructor(uri: string) {
    super();
    this.uri = uri;
    this.root = localPathOf(uri);
  }

  async writeArtifact(
    path: string,
    source: Readable,
    options?: TransferOptions & { size?: number },
  ): Promise<void> {
    const relative = normalizeArtifactPath(path);
    if (relative === '')
      throw MlflowError.invalidParameterValue('An artifact needs a file name; the root is a folder.');
    if (isPartialName(relative.split('/').at(-1)!))
      throw MlflowError.invalidParameterValue(
        `'${relative}' has the form of an upload in progress (.<name>.<hex>.partial); choose another name.`,
      );
    const target = await resolveInsideRoot(this.root, relative);
    // Written beside the target and renamed into place: readers see the old file or the whole new one.
    await writeAtomically(target, withProgress(source, options?.size, options), options?.size, () =>
      resolveInsideRoot(this.root, relative),
    );
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const relative = normalizeArtifactPath(path);
    const dir = await resolveInsideRoot(this.root, relative);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) return [];
    const entries = await readdir(dir, { withFileTypes: true });
    const out: FileInfo[] = [];
    for (const entry of entries) {
      if (isPartialName(entry.name)) continue;
      const entryPath = joinArtifactPath(relative, entry.name);
      if (entry.isDirectory()) out.push({ path: entryPath, isDir: true });
      else if (entry.isFile())
        out.push({ path: entryPath, isDir: false, fileSize: (await stat(`${dir}/${entry.name}`)).size });
    }
    return sortListing(out);
  }

  async openArtifact(path: string): Promise<ArtifactStream> {
    const relative = normalizeArtifactPath(path);
    const file = await resolveInsideRoot(this.root, relative);
    const missing = () =>
      MlflowError.resourceDoesNotExist(`No artifact file at '${relative}' under ${this.uri}.`);
    if (isPartialName(relative.split('/').at(-1) ?? '')) throw missing();
    // Size and bytes come from one open file: a rename over the path meanwhile cannot mix two versions.
    const handle = await open(file, 'r').catch(() => null);
    if (!handle) throw missing();
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw missing();
    }
    return { stream: handle.createReadStream({ highWaterMark: STREAM_CHUNK }), size: info.size };
  }

  async deleteArtifacts(path?: string): Promise<void> {
    const relative = normalizeArtifactPath(path);
    const target = await resolveInsideRoot(this.root, relative);
    await rm(target, { recursive: true, force: true });
  }
}

/** By path, in code-point order (`B` before `a`), folders and files together, as MLflow's repositories list. */
export function sortListing(entries: FileInfo[]): FileInfo[] {
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
