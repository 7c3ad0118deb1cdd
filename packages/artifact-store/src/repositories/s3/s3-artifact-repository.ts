import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type ArtifactStream,
  type FileInfo,
  importOptional,
  MlflowError,
  type TransferOptions,
} from '@flowline/core';
import { BaseArtifactRepository, expectBytes, withProgress } from '../../base-repository.js';
import { joinArtifactPath, normalizeArtifactPath } from '../../path-safety.js';
import { sortListing } from '../local/local-artifact-repository.js';

/** How to reach S3 or an S3-compatible server. Unset values come from the usual AWS environment. */
export interface S3Options {
  /** Custom endpoint (MinIO, s3rver, …); default `MLFLOW_S3_ENDPOINT_URL`. Implies path-style addressing. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Multipart part size in bytes (default 8 MiB); memory per upload stays near partSize × queueSize. */
  partSize?: number;
  queueSize?: number;
}

/** The S3 SDK's modules: optional peer dependencies, loaded on first use. */
const sdk = {
  client: () =>
    importOptional('@aws-sdk/client-s3', 'for s3:// artifacts', () => import('@aws-sdk/client-s3')),
  storage: () =>
    importOptional('@aws-sdk/lib-storage', 'to upload s3:// artifacts', () => import('@aws-sdk/lib-storage')),
  presigner: () =>
    importOptional(
      '@aws-sdk/s3-request-presigner',
      'to presign s3:// uploads',
      () => import('@aws-sdk/s3-request-presigner'),
    ),
};

/** A presigned part of a multipart upload that a client sends straight to S3. */
export interface PresignedPart {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
}

/** Bucket and key prefix of an `s3://bucket/prefix` URI. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1])
    throw MlflowError.invalidParameterValue(`Invalid S3 URI '${uri}': expected s3://bucket/path.`);
  return { bucket: match[1], prefix: match[2]!.replace(/\/+$/, '') };
}

/**
 * Artifacts under an S3 prefix with `@aws-sdk/client-s3` (loaded on first use): streaming multipart uploads,
 * paged listings, streamed downloads, custom endpoints with path-style addressing for S3-compatible servers.
 */
export class S3ArtifactRepository extends BaseArtifactRepository {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #options: S3Options;
  #client: Promise<S3Client> | null = null;

  constructor(uri: string, options: S3Options = {}) {
    super();
    this.uri = uri;
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
    this.#options = options;
  }

  /** The S3 client, created on first use. */
  client(): Promise<S3Client> {
    this.#client ??= (async () => {
      const { S3Client } = await sdk.client();
      const endpoint = this.#options.endpoint ?? (process.env.MLFLOW_S3_ENDPOINT_URL || undefined);
      return new S3Client({
        endpoint,
        forcePathStyle: this.#options.forcePathStyle ?? endpoint !== undefined,
        region:
          this.#options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        credentials: this.#options.credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
    })();
    return this.#client;
  }

  #key(path: string): string {
    const relative = normalizeArtifactPath(path);
    return [this.prefix, relative].filter(Boolean).join('/');
  }

  async writeArtifact(
    path: string,
    source: Readable,
    options?: TransferOptions & { size?: number },
  ): Promise<void> {
    if (normalizeArtifactPath(path) === '')
      throw MlflowError.invalidParameterValue('An artifact needs a file name; the root is a folder.');
    const Key = this.#key(path);
    const [{ Upload }, client] = await Promise.all([sdk.storage(), this.client()]);
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client,
      params: { Bucket: this.bucket, Key, Body: body },
      partSize: this.#options.partSize ?? 8 * 1024 * 1024,
      queueSize: this.#options.queueSize ?? 4,
      // On any failure lib-storage aborts the multipart upload before `done()` settles: never left half.
      leavePartsOnError: false,
    });
    // A source that fails (or ends short of `size`) destroys `body`, which fails the upload; an upload that
    // fails stops reading `body`, so it is destroyed to end the pipeline. Both are awaited, so by the time
    // this returns or throws the object is either complete or was never created.
    const [pumped, uploaded] = await Promise.allSettled([
      pipeline(withProgress(source, options?.size, options), expectBytes(options?.size), body),
      upload.done().catch((error: unknown) => {
        body.destroy(error as Error);
        throw error;
      }),
    ]);
    if (pumped.status === 'rejected') throw pumped.reason;
    if (uploaded.status === 'rejected') throw uploaded.reason;
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const relative = normalizeArtifactPath(path);
    const { ListObjectsV2Command } = await sdk.client();
    const client = await this.client();
    const base = this.#key(relative);
    const Prefix = base === '' ? '' : `${base}/`;
    const out: FileInfo[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix, Delimiter: '/', ContinuationToken }),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix!.slice(Prefix.length).replace(/\/$/, '');
        if (name) out.push({ path: joinArtifactPath(relative, name), isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const name = o.Key!.slice(Prefix.length);
        if (name)
          out.push({ path: joinArtifactPath(relative, name), isDir: false, fileSize: Number(o.Size ?? 0) });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return sortListing(out);
  }

  async openArtifact(path: string): Promise<ArtifactStream> {
    const relative = normalizeArtifactPath(path);
    const { GetObjectCommand } = await sdk.client();
    const client = await this.client();
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(relative) }));
      return { stream: res.Body as Readable, size: res.ContentLength };
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') {
        throw MlflowError.resourceDoesNotExist(`No artifact file at '${relative}' under ${this.uri}.`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async deleteArtifacts(path?: string): Promise<void> {
    const relative = normalizeArtifactPath(path);
    const { ListObjectsV2Command, DeleteObjectsCommand, DeleteObjectCommand } = await import(
      '@aws-sdk/client-s3'
    );
    const client = await this.client();
    const key = this.#key(relative);
    if (relative !== '') await client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    const Prefix = key === '' ? '' : `${key}/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken }),
      );
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0)
        await client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys } }));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** Starts a multipart upload and presigns `numParts` part uploads (MLflow's proxy `mpu/create`). */
  async createMultipartUpload(
    path: string,
    numParts: number,
  ): Promise<{ uploadId: string; parts: PresignedPart[] }> {
    const { CreateMultipartUploadCommand, UploadPartCommand } = await sdk.client();
    const { getSignedUrl } = await sdk.presigner();
    const client = await this.client();
    const Key = this.#key(path);
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
    const uploadId = created.UploadId!;
    const parts: PresignedPart[] = [];
    try {
      for (let partNumber = 1; partNumber <= numParts; partNumber++) {
        const url = await getSignedUrl(
          client,
          new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: partNumber }),
          {
            expiresIn: 3600,
          },
        );
        parts.push({ partNumber, url, headers: {} });
      }
    } catch (error) {
      // The client never learns this upload's id, so nobody else could abort it.
      await this.abortMultipartUpload(path, uploadId).catch(() => {});
      throw error;
    }
    return { uploadId, parts };
  }

  /** Completes a multipart upload from the parts' ETags (MLflow's proxy `mpu/complete`). */
  async completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
  ): Promise<void> {
    const { CompleteMultipartUploadCommand } = await sdk.client();
    const client = await this.client();
    const complete = client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.#key(path),
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
        },
      }),
    );
    // As lib-storage and MLflow's client do: a completion that fails aborts, so no upload is left half.
    await complete.catch(async (error: unknown) => {
      await this.abortMultipartUpload(path, uploadId).catch(() => {});
      throw error;
    });
  }

  /** Aborts a multipart upload (MLflow's proxy `mpu/abort`). */
  async abortMultipartUpload(path: string, uploadId: string): Promise<void> {
    const { AbortMultipartUploadCommand } = await sdk.client();
    const client = await this.client();
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.#key(path), UploadId: uploadId }),
    );
  }
}
