import type { Readable } from 'node:stream';

/** One entry of an artifact listing: a path relative to the repository root, MLflow's `FileInfo`. */
export interface FileInfo {
  path: string;
  isDir: boolean;
  /** Bytes; absent for directories. */
  fileSize?: number;
}

/** Progress of a transfer, called as bytes move (for progress bars). */
export interface TransferOptions {
  onProgress?: (transferredBytes: number, totalBytes: number | undefined) => void;
}

/** A readable artifact and its size when the repository knows it. */
export interface ArtifactStream {
  stream: Readable;
  size?: number;
}

/**
 * Where a run's files live: a folder, an S3 prefix, or a tracking server's artifact proxy. Every path
 * argument is relative to the repository root and is checked before any I/O (no `..`, no absolute paths).
 */
export interface ArtifactRepository {
  /** The root URI this repository serves. */
  readonly uri: string;
  /** Copies a local file into `artifactPath` (a folder under the root; the file keeps its name). */
  logArtifact(localFile: string, artifactPath?: string, options?: TransferOptions): Promise<void>;
  /** Copies a local folder's contents into `artifactPath`, recursively. */
  logArtifacts(localDir: string, artifactPath?: string, options?: TransferOptions): Promise<void>;
  /** Writes a stream to the file at `path` (the primitive every upload uses). */
  writeArtifact(path: string, source: Readable, options?: TransferOptions & { size?: number }): Promise<void>;
  /** The entries directly under `path` (one level), directories first then files, by name. */
  listArtifacts(path?: string): Promise<FileInfo[]>;
  /** Downloads a file or a whole tree to `destination` (a folder); returns the local path of what was fetched. */
  downloadArtifacts(artifactPath: string, destination: string, options?: TransferOptions): Promise<string>;
  /** A read stream of one file; memory stays flat whatever its size. */
  openArtifact(path: string): Promise<ArtifactStream>;
  /** Deletes a file or a folder (everything when `path` is empty). */
  deleteArtifacts(path?: string): Promise<void>;
}
