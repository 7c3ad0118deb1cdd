import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactRepositoryConformance, type LocalS3, startLocalS3 } from '@flowline/testkit';
import { afterAll, beforeAll } from 'vitest';
import { LocalArtifactRepository, S3ArtifactRepository } from '../src/index.js';

artifactRepositoryConformance('LocalArtifactRepository (plain path)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-local-repo-'));
  return {
    repository: new LocalArtifactRepository(join(dir, 'root')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

artifactRepositoryConformance('LocalArtifactRepository (file:// URI)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-local-repo-'));
  return {
    repository: new LocalArtifactRepository(`file://${join(dir, 'root')}`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

artifactRepositoryConformance('S3ArtifactRepository against s3rver on loopback', async () => {
  // Small parts, so the large-file test goes through a real multipart upload.
  const repository = new S3ArtifactRepository(`s3://${s3.bucket}/experiments/1`, {
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    partSize: 5 * 1024 * 1024,
  });
  return { repository, cleanup: () => repository.deleteArtifacts() };
});
