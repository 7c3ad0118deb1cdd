import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline as chain, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ArtifactRepository,
  type ArtifactStream,
  type FileInfo,
  MlflowError,
  type TransferOptions,
} from '@flowline/core';
import { joinArtifactPath, normalizeArtifactPath } from './path-safety.js';

/** Chunk size for file streams: large chunks cut per-chunk overhead on big transfers (Node's default is 64 KiB). */
export const STREAM_CHUNK: number = 1024 * 1024;

/** Streams through a progress tap only when someone listens for progress (the tap costs a stage per chunk). */
export function withProgress(
  source: Readable,
  total: number | undefined,
  options?: TransferOptions,
): Readable {
  // Chained, not piped: a failing source must fail the tap (or the write would wait for its end forever).
  return options?.onProgress ? chain(source, progressTap(total, options), () => {}) : source;
}

/** Counts bytes flowing through, reporting progress; adds no buffering. */
export function progressTap(total: number | undefined, options?: TransferOptions, start = 0): Transform {
  let done = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      options?.onProgress?.(done, total);
      callback(null, chunk);
    },
  });
}

/**
 * Passes bytes through and fails at the end when fewer than `size` arrived (an upload cut short, a
 * shrinking file), so the write is abandoned instead of storing a truncated artifact. No check without `size`.
 */
export function expectBytes(size: number | undefined): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      if (size === undefined || seen >= size) return callback();
      callback(
        MlflowError.invalidParameterValue(
          `The upload ended after ${seen} of ${size} bytes, so nothing was stored. Send the whole file again.`,
        ),
      );
    },
  });
}

async function* walk(
  dir: string,
  prefix = '',
): AsyncGenerator<{ absolute: string; relative: string; size: number }> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const absolute = join(dir, entry.name);
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(absolute, relative);
    else if (entry.isFile()) yield { absolute, relative, size: (await stat(absolute)).size };
  }
}

/**
 * The conveniences of `ArtifactRepository` built once on its primitives (`writeArtifact`, `openArtifact`,
 * `listArtifacts`), so each repository has one upload and one download path to get right.
 */
export abstract class BaseArtifactRepository implements ArtifactRepository {
  abstract readonly uri: string;
  abstract writeArtifact(
    path: string,
    source: Readable,
    options?: TransferOptions & { size?: number },
  ): Promise<void>;
  abstract listArtifacts(path?: string): Promise<FileInfo[]>;
  abstract openArtifact(path: string): Promise<ArtifactStream>;
  abstract deleteArtifacts(path?: string): Promise<void>;

  async logArtifact(localFile: string, artifactPath?: string, options?: TransferOptions): Promise<void> {
    const target = joinArtifactPath(artifactPath, basename(localFile));
    const { size } = await stat(localFile);
    await this.writeArtifact(target, createReadStream(localFile, { highWaterMark: STREAM_CHUNK }), {
      ...options,
      size,
    });
  }

  async logArtifacts(localDir: string, artifactPath?: string, options?: TransferOptions): Promise<void> {
    const files = [];
    let total = 0;
    for await (const file of walk(localDir)) {
      files.push(file);
      total += file.size;
    }
    let done = 0;
    for (const file of files) {
      const base = done;
      await this.writeArtifact(
        joinArtifactPath(artifactPath, file.relative),
        createReadStream(file.absolute),
        {
          size: file.size,
          onProgress: options?.onProgress ? (bytes) => options.onProgress?.(base + bytes, total) : undefined,
        },
      );
      done += file.size;
    }
  }

  async downloadArtifacts(
    artifactPath: string,
    destination: string,
    options?: TransferOptions,
  ): Promise<string> {
    const path = normalizeArtifactPath(artifactPath);
    const listing = await this.#isDirectory(path);
    if (!listing) {
      const local = join(destination, path === '' ? 'artifact' : basename(path));
      await this.#downloadFile(path, local, options);
      return local;
    }
    const root = join(destination, path === '' ? '' : basename(path));
    await mkdir(root, { recursive: true });
    const files: FileInfo[] = [];
    const collect = async (dir: string) => {
      for (const entry of await this.listArtifacts(dir)) {
        if (entry.isDir) await collect(entry.path);
        else files.push(entry);
      }
    };
    await collect(path);
    const total = files.reduce((n, f) => n + (f.fileSize ?? 0), 0);
    let done = 0;
    for (const file of files) {
      const inside = path === '' ? file.path : file.path.slice(path.length + 1);
      const base = done;
      await this.#downloadFile(file.path, join(root, ...inside.split('/')), {
        onProgress: options?.onProgress ? (bytes) => options.onProgress?.(base + bytes, total) : undefined,
      });
      done += file.fileSize ?? 0;
    }
    return root;
  }

  /** True when `path` names a folder (the root always does). */
  async #isDirectory(path: string): Promise<boolean> {
    if (path === '') return true;
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '' : path.slice(0, slash);
    const entry = (await this.listArtifacts(parent)).find((e) => e.path === path);
    if (entry) return entry.isDir;
    return (await this.listArtifacts(path)).length > 0;
  }

  async #downloadFile(path: string, local: string, options?: TransferOptions): Promise<void> {
    const { stream, size } = await this.openArtifact(path);
    await mkdir(join(local, '..'), { recursive: true });
    await pipeline(
      withProgress(stream, size, options),
      createWriteStream(local, { highWaterMark: STREAM_CHUNK }),
    );
  }
}
