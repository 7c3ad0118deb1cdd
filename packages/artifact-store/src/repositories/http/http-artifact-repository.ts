import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import {
  type ArtifactStream,
  authHeadersFromEnv,
  ErrorCode,
  errorFromHttpResponse,
  type FileInfo,
  MlflowError,
  type TransferOptions,
} from '@flowline/core';
import { BaseArtifactRepository, expectBytes, withProgress } from '../../base-repository.js';
import { joinArtifactPath, normalizeArtifactPath } from '../../path-safety.js';
import { sortListing } from '../local/local-artifact-repository.js';
import { readText, streamRequest } from './raw-http.js';

/** The tracking server's artifact proxy path. */
export const PROXY_PATH = '/api/2.0/mlflow-artifacts/artifacts';

/** Where to reach the proxy: the tracking URI for `mlflow-artifacts:/…`, and auth headers. */
export interface HttpArtifactOptions {
  trackingUri?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The path under the proxy root that an `mlflow-artifacts:` URI names, with or without a host. */
export function mlflowArtifactsPath(uri: string): string {
  return normalizeArtifactPath(uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, ''));
}

/** The server base URL and the path under the proxy root that an artifact URI names. */
export function parseProxyUri(uri: string, trackingUri?: string): { base: string; prefix: string } {
  if (uri.startsWith('mlflow-artifacts:')) {
    const hosted = /^mlflow-artifacts:\/\/([^/]+)/.exec(uri);
    if (hosted) return { base: `http://${hosted[1]}`, prefix: mlflowArtifactsPath(uri) };
    const tracking = trackingUri ?? process.env.MLFLOW_TRACKING_URI;
    if (!tracking || !/^https?:\/\//.test(tracking)) {
      throw MlflowError.invalidParameterValue(
        `'${uri}' is served by a tracking server's artifact proxy, but the tracking URI (${tracking ?? 'unset'}) is not ` +
          'an http(s) server. Set MLFLOW_TRACKING_URI to the server, e.g. http://127.0.0.1:5000.',
      );
    }
    return { base: tracking.replace(/\/+$/, ''), prefix: mlflowArtifactsPath(uri) };
  }
  const url = new URL(uri);
  const at = url.pathname.indexOf(PROXY_PATH);
  if (at === -1) {
    throw MlflowError.invalidParameterValue(
      `'${uri}' is not an MLflow artifact proxy URL (expected a path containing ${PROXY_PATH}).`,
    );
  }
  const prefix = decodeURIComponent(url.pathname.slice(at + PROXY_PATH.length).replace(/^\/+/, ''));
  return { base: `${url.origin}${url.pathname.slice(0, at)}`, prefix: normalizeArtifactPath(prefix) };
}

async function failure(res: { status: number; text(): Promise<string> }, what: string): Promise<MlflowError> {
  const error = errorFromHttpResponse(res.status, await res.text().catch(() => ''), what);
  // A missing file answers 404 from the proxy: that is a missing resource, not a missing endpoint.
  return error.errorCode === ErrorCode.ENDPOINT_NOT_FOUND
    ? MlflowError.resourceDoesNotExist(error.message)
    : error;
}

/** Artifacts through a tracking server's proxy (`mlflow-artifacts:` and `http(s)://…/mlflow-artifacts/artifacts/…`). */
export class HttpArtifactRepository extends BaseArtifactRepository {
  readonly uri: string;
  readonly base: string;
  readonly prefix: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;

  constructor(uri: string, options: HttpArtifactOptions = {}) {
    super();
    this.uri = uri;
    ({ base: this.base, prefix: this.prefix } = parseProxyUri(uri, options.trackingUri));
    this.#headers = { ...authHeadersFromEnv(), ...options.headers };
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  #url(path: string): string {
    const full = joinArtifactPath(this.prefix, path);
    return `${this.base}${PROXY_PATH}/${full.split('/').map(encodeURIComponent).join('/')}`;
  }

  async writeArtifact(
    path: string,
    source: Readable,
    options?: TransferOptions & { size?: number },
  ): Promise<void> {
    if (normalizeArtifactPath(path) === '')
      throw MlflowError.invalidParameterValue('An artifact needs a file name; the root is a folder.');
    const res = await streamRequest(this.#url(path), {
      method: 'PUT',
      headers: {
        ...this.#headers,
        'content-type': 'application/octet-stream',
        ...(options?.size !== undefined ? { 'content-length': String(options.size) } : {}),
      },
      // A source that fails or ends short of `size` cuts the request off, so the server stores nothing.
      body: pipeline(withProgress(source, options?.size, options), expectBytes(options?.size), () => {}),
    });
    const text = await readText(res);
    if (!ok(res))
      throw await failure({ status: res.statusCode ?? 0, text: async () => text }, `Uploading '${path}'`);
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const relative = normalizeArtifactPath(path);
    const full = joinArtifactPath(this.prefix, relative);
    const res = await this.#fetch(`${this.base}${PROXY_PATH}?path=${encodeURIComponent(full)}`, {
      headers: this.#headers,
    });
    if (!res.ok) throw await failure(res, `Listing '${relative}'`);
    const body = (await res.json()) as {
      files?: Array<{ path: string; is_dir?: boolean; file_size?: number }>;
    };
    return sortListing(
      (body.files ?? []).map((f) => ({
        path: joinArtifactPath(relative, f.path.split('/').at(-1)),
        isDir: Boolean(f.is_dir),
        ...(f.is_dir ? {} : { fileSize: Number(f.file_size ?? 0) }),
      })),
    );
  }

  async openArtifact(path: string): Promise<ArtifactStream> {
    const res = await streamRequest(this.#url(path), { method: 'GET', headers: this.#headers });
    if (!ok(res)) {
      const text = await readText(res);
      throw await failure(
        { status: res.statusCode ?? 0, text: async () => text },
        `Downloading '${normalizeArtifactPath(path)}'`,
      );
    }
    const length = res.headers['content-length'];
    return { stream: res, size: length === undefined ? undefined : Number(length) };
  }

  async deleteArtifacts(path?: string): Promise<void> {
    const res = await this.#fetch(this.#url(path ?? ''), { method: 'DELETE', headers: this.#headers });
    if (!res.ok) throw await failure(res, `Deleting '${normalizeArtifactPath(path)}'`);
    await res.arrayBuffer();
  }
}

function ok(res: IncomingMessage): boolean {
  return (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
}
