import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { type ArtifactStream, type FileInfo, MlflowError, type TransferOptions } from '@flowline/core';
import { BaseArtifactRepository, STREAM_CHUNK, withProgress } from '../../base-repository.js';
import { joinArtifactPath, normalizeArtifactPath, resolveInsideRoot } from '../../path-safety.js';

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
    const target = await resolveInsideRoot(this.root, relative);
    await mkdir(dirname(target), { recursive: true });
    // Re-check once the folders exist: a symlink created meanwhile must not redirect the write.
    await resolveInsideRoot(this.root, relative);
    await pipeline(
      withProgress(source, options?.size, options),
      createWriteStream(target, { highWaterMark: STREAM_CHUNK }),
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
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      throw MlflowError.resourceDoesNotExist(`No artifact file at '${relative}' under ${this.uri}.`);
    }
    return { stream: createReadStream(file, { highWaterMark: STREAM_CHUNK }), size: info.size };
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
