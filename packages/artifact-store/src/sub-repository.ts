import type { Readable } from 'node:stream';
import type { ArtifactRepository, ArtifactStream, FileInfo, TransferOptions } from '@flowline/core';
import { BaseArtifactRepository } from './base-repository.js';
import { joinArtifactPath, normalizeArtifactPath } from './path-safety.js';

/** A view of another repository under a sub-path (a run's folder inside the proxy's destination). */
export class SubArtifactRepository extends BaseArtifactRepository {
  readonly uri: string;
  readonly #inner: ArtifactRepository;
  readonly #prefix: string;

  constructor(inner: ArtifactRepository, prefix: string, uri?: string) {
    super();
    this.#inner = inner;
    this.#prefix = normalizeArtifactPath(prefix);
    this.uri = uri ?? `${inner.uri.replace(/\/+$/, '')}/${this.#prefix}`;
  }

  writeArtifact(
    path: string,
    source: Readable,
    options?: TransferOptions & { size?: number },
  ): Promise<void> {
    return this.#inner.writeArtifact(joinArtifactPath(this.#prefix, path), source, options);
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const entries = await this.#inner.listArtifacts(joinArtifactPath(this.#prefix, path));
    const cut = this.#prefix === '' ? 0 : this.#prefix.length + 1;
    return entries.map((e) => ({ ...e, path: e.path.slice(cut) }));
  }

  openArtifact(path: string): Promise<ArtifactStream> {
    return this.#inner.openArtifact(joinArtifactPath(this.#prefix, path));
  }

  deleteArtifacts(path?: string): Promise<void> {
    return this.#inner.deleteArtifacts(joinArtifactPath(this.#prefix, path));
  }
}
