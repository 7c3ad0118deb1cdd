import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isMlflowError } from '@flowline/core';
import { HOSTILE_PATHS } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  joinArtifactPath,
  LocalArtifactRepository,
  normalizeArtifactPath,
  parseRunsUri,
  resolveInsideRoot,
} from '../src/index.js';

describe('normalizeArtifactPath', () => {
  it.each([
    ['', ''],
    ['a', 'a'],
    ['a/b', 'a/b'],
    ['a//b/', 'a/b'],
    ['./a/./b', 'a/b'],
    ['100%.txt', '100%.txt'],
    ['a%20b.txt', 'a%20b.txt'],
    ['....', '....'],
    ['ü/日本.txt', 'ü/日本.txt'],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeArtifactPath(input)).toBe(expected);
  });

  it.each(HOSTILE_PATHS)('refuses %j with INVALID_PARAMETER_VALUE', (path) => {
    try {
      normalizeArtifactPath(path);
      expect.unreachable();
    } catch (error) {
      expect(isMlflowError(error) && error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('joins relative paths and refuses hostile parts', () => {
    expect(joinArtifactPath('a', undefined, 'b/c', '')).toBe('a/b/c');
    // MLflow's exact message; the reason rides along as the cause.
    expect(() => joinArtifactPath('a', '../b')).toThrow(/^Invalid path$/);
    try {
      joinArtifactPath('a', '../b');
    } catch (error) {
      expect(String((error as Error).cause)).toMatch(/'\.\.' is not allowed/);
    }
  });
});

describe('symlinks', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowline-symlink-'));
    root = join(dir, 'root');
    await mkdir(join(dir, 'outside'), { recursive: true });
    await mkdir(join(root, 'inside'), { recursive: true });
    await writeFile(join(dir, 'outside', 'secret.txt'), 'secret');
    await symlink(join(dir, 'outside'), join(root, 'link-out'));
    await symlink(join(dir, 'outside', 'secret.txt'), join(root, 'secret-link.txt'));
    await symlink(join(root, 'inside'), join(root, 'link-in'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses paths through a link that leads out of the root, for reads, writes, lists and deletes', async () => {
    const repo = new LocalArtifactRepository(root);
    for (const op of [
      () => repo.openArtifact('link-out/secret.txt'),
      () => repo.openArtifact('secret-link.txt'),
      () => repo.listArtifacts('link-out'),
      () => repo.writeArtifact('link-out/planted.txt', Readable.from(Buffer.from('x'))),
      () => repo.deleteArtifacts('link-out/secret.txt'),
    ]) {
      const error = await op().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isMlflowError(error) && error.errorCode).toBe('INVALID_PARAMETER_VALUE');
      expect((error as Error).message).toBe('Invalid path: resolved path is outside the artifact directory');
      expect(String((error as Error).cause)).toMatch(/symbolic link/);
    }
    expect(await readFile(join(dir, 'outside', 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('allows links that stay inside the root', async () => {
    const repo = new LocalArtifactRepository(root);
    await repo.writeArtifact('link-in/ok.txt', Readable.from(Buffer.from('ok')));
    expect(await readFile(join(root, 'inside', 'ok.txt'), 'utf8')).toBe('ok');
    expect(await resolveInsideRoot(root, 'link-in/ok.txt')).toBe(join(root, 'link-in', 'ok.txt'));
  });
});

describe('runs:/ URIs', () => {
  it('parses the run id and path, and refuses hostile paths', () => {
    expect(parseRunsUri('runs:/abc123/model/MLmodel')).toEqual({ runId: 'abc123', path: 'model/MLmodel' });
    expect(parseRunsUri('runs:/abc123')).toEqual({ runId: 'abc123', path: '' });
    expect(parseRunsUri('runs:/abc/a/./b/../c')).toEqual({ runId: 'abc', path: 'a/c' });
    expect(() => parseRunsUri('runs:/abc/../../etc')).toThrow(/leads above the run's artifact root/);
    expect(() => parseRunsUri('runs:/abc/%2e%2e/etc')).toThrow(/^Invalid path$/);
    expect(() => parseRunsUri('models:/x/1')).toThrow(/runs:\//);
  });
});
