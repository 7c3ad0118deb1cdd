import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ArtifactRepository, isMlflowError } from '@flowline/core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type SkipList, skippable } from './conformance/skip.js';

/** Opens a fresh, empty repository for a suite and removes it afterwards. */
export type RepositoryFactory = () => Promise<{ repository: ArtifactRepository; cleanup(): Promise<void> }>;

/** Paths that must never reach I/O: traversal, encodings of it, absolute paths, backslashes, NUL. */
export const HOSTILE_PATHS: readonly string[] = [
  '../escape.txt',
  'a/../../escape.txt',
  '..',
  '%2e%2e/escape.txt',
  '%2E%2E%2Fescape.txt',
  '%252e%252e/escape.txt',
  '%25252e%25252e%25252fescape.txt',
  '..%2fescape.txt',
  '..\\escape.txt',
  'a\\..\\..\\escape.txt',
  '%5c..%5cescape.txt',
  '/etc/passwd',
  '%2fetc%2fpasswd',
  'C:\\Windows\\win.ini',
  'c:/windows/win.ini',
  'file\u0000.txt',
  'file%00.txt',
  'new\nline.txt',
];

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A source that sends `head` and then fails, as a dropped connection or a failing disk does. */
export function failingSource(head: string): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) this.destroy(new Error('the source failed midway'));
      else {
        sent = true;
        this.push(Buffer.from(head));
      }
    },
  });
}

/** A source you control: it sends `head`, says so through `started`, and sends `tail` only once released. */
export function pausedSource(
  head: string,
  tail: string,
): { stream: Readable; started: Promise<void>; release(): void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => {
    started = resolve;
  });
  let reads = 0;
  // highWaterMark 1: the next read() is asked for only once the head has been taken downstream.
  const stream = new Readable({
    highWaterMark: 1,
    read() {
      reads += 1;
      if (reads === 1) this.push(Buffer.from(head));
      else if (reads === 2) {
        started();
        void released.then(() => {
          this.push(Buffer.from(tail));
          this.push(null);
        });
      }
    },
  });
  return { stream, started: startedPromise, release };
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to be refused').not.toBeNull();
  expect(isMlflowError(error) ? error.errorCode : error).toBe('INVALID_PARAMETER_VALUE');
}

/**
 * The artifact-repository conformance suite: run against every `ArtifactRepository` implementation;
 * `skip` names deliberate differences of one implementation (exact test name → why).
 */
export function artifactRepositoryConformance(
  label: string,
  factory: RepositoryFactory,
  skip?: SkipList,
): void {
  describe(`ArtifactRepository conformance: ${label}`, () => {
    const { test, done } = skippable(skip);
    let repo: ArtifactRepository;
    let cleanup: () => Promise<void>;
    let local: string;
    beforeAll(async () => {
      ({ repository: repo, cleanup } = await factory());
      local = await mkdtemp(join(tmpdir(), 'flowline-artifacts-local-'));
    });
    afterAll(async () => {
      await cleanup?.();
      await rm(local, { recursive: true, force: true });
    });

    test('writes, lists one level (by path, as MLflow), reads back and deletes', async () => {
      await repo.writeArtifact('docs/readme.txt', Readable.from(Buffer.from('hello')));
      await repo.writeArtifact('docs/deep/nested.json', Readable.from(Buffer.from('{"a":1}')));
      await repo.writeArtifact('docs/Zeta.txt', Readable.from(Buffer.from('z')));
      await repo.writeArtifact('docs/zz/inner.txt', Readable.from(Buffer.from('i')));
      await repo.writeArtifact('top.bin', Readable.from(Buffer.from([0, 1, 2, 3])));
      expect(await repo.listArtifacts('docs')).toEqual([
        { path: 'docs/Zeta.txt', isDir: false, fileSize: 1 },
        { path: 'docs/deep', isDir: true },
        { path: 'docs/readme.txt', isDir: false, fileSize: 5 },
        { path: 'docs/zz', isDir: true },
      ]);
      await repo.deleteArtifacts('docs/Zeta.txt');
      await repo.deleteArtifacts('docs/zz');
      const root = await repo.listArtifacts();
      expect(root.map((e) => e.path)).toEqual(expect.arrayContaining(['docs', 'top.bin']));
      const { stream, size } = await repo.openArtifact('docs/deep/nested.json');
      expect((await collect(stream)).toString()).toBe('{"a":1}');
      if (size !== undefined) expect(size).toBe(7);
      await repo.deleteArtifacts('docs/deep');
      expect(await repo.listArtifacts('docs')).toEqual([
        { path: 'docs/readme.txt', isDir: false, fileSize: 5 },
      ]);
      await repo.deleteArtifacts('docs');
      await repo.deleteArtifacts('top.bin');
      expect(await repo.listArtifacts('docs')).toEqual([]);
    });

    test('logs a file and a folder tree, and downloads both back byte for byte with progress', async () => {
      const tree = join(local, 'tree');
      await mkdir(join(tree, 'sub', 'inner'), { recursive: true });
      const big = randomBytes(3 * 1024 * 1024 + 17);
      await writeFile(join(tree, 'big.bin'), big);
      await writeFile(join(tree, 'sub', 'a b ü.txt'), 'spaces and unicode');
      await writeFile(join(tree, 'sub', 'inner', 'c.csv'), 'x,y\n1,2\n');
      await writeFile(join(local, 'single.txt'), 'single');
      await repo.logArtifact(join(local, 'single.txt'), 'one');
      const progress: number[] = [];
      await repo.logArtifacts(tree, 'model', { onProgress: (bytes) => progress.push(bytes) });
      expect(progress.at(-1)).toBe(big.length + 18 + 8);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect((await repo.listArtifacts('one')).map((e) => e.path)).toEqual(['one/single.txt']);
      expect((await repo.listArtifacts('model/sub')).map((e) => e.path)).toEqual([
        'model/sub/a b ü.txt',
        'model/sub/inner',
      ]);

      const out = join(local, 'out');
      const dir = await repo.downloadArtifacts('model', out);
      expect(
        createHash('sha256')
          .update(await readFile(join(dir, 'big.bin')))
          .digest('hex'),
      ).toBe(createHash('sha256').update(big).digest('hex'));
      expect(await readFile(join(dir, 'sub', 'a b ü.txt'), 'utf8')).toBe('spaces and unicode');
      expect(await readFile(join(dir, 'sub', 'inner', 'c.csv'), 'utf8')).toBe('x,y\n1,2\n');
      const file = await repo.downloadArtifacts('one/single.txt', join(local, 'out-file'));
      expect(await readFile(file, 'utf8')).toBe('single');
    });

    test('streams a large file through without holding it', async () => {
      const size = 24 * 1024 * 1024;
      const source = join(local, 'large.bin');
      const hash = createHash('sha256');
      const chunk = randomBytes(1024 * 1024);
      await writeFile(source, '');
      const { appendFile } = await import('node:fs/promises');
      for (let i = 0; i < size / chunk.length; i++) {
        await appendFile(source, chunk);
        hash.update(chunk);
      }
      await repo.writeArtifact('large/large.bin', createReadStream(source), { size });
      const { stream } = await repo.openArtifact('large/large.bin');
      const back = createHash('sha256');
      let length = 0;
      for await (const part of stream) {
        back.update(part as Buffer);
        length += (part as Buffer).length;
      }
      expect(length).toBe(size);
      expect(back.digest('hex')).toBe(hash.digest('hex'));
    });

    test('stores nothing when the source fails midway or ends short of its size; an older file stays whole', async () => {
      await repo.writeArtifact('atomic/keep.txt', Readable.from(Buffer.from('old content')));
      const before = await repo.listArtifacts('atomic');
      await expect(repo.writeArtifact('atomic/keep.txt', failingSource('NEW PART'))).rejects.toThrow();
      await expect(repo.writeArtifact('atomic/other.txt', failingSource('NEW PART'))).rejects.toThrow();
      await expect(
        repo.writeArtifact('atomic/keep.txt', Readable.from(Buffer.from('short')), { size: 100 }),
      ).rejects.toThrow();
      await expect(
        repo.writeArtifact('atomic/short.txt', Readable.from(Buffer.from('short')), { size: 100 }),
      ).rejects.toThrow();
      expect(await repo.listArtifacts('atomic')).toEqual(before);
      expect((await collect((await repo.openArtifact('atomic/keep.txt')).stream)).toString()).toBe(
        'old content',
      );
      for (const missing of ['atomic/other.txt', 'atomic/short.txt']) {
        const error = await repo.openArtifact(missing).then(
          () => null,
          (e: unknown) => e,
        );
        expect(isMlflowError(error) ? error.errorCode : error).toBe('RESOURCE_DOES_NOT_EXIST');
      }
      await repo.deleteArtifacts('atomic');
    });

    test('shows readers the old file (or none) during a slow write, never part of the new one', async () => {
      await repo.writeArtifact('slow/file.txt', Readable.from(Buffer.from('old content')));
      const replacing = pausedSource('NEW-HEAD|', 'NEW-TAIL');
      const fresh = pausedSource('NEW-HEAD|', 'NEW-TAIL');
      const writes = [
        repo.writeArtifact('slow/file.txt', replacing.stream),
        repo.writeArtifact('slow/fresh.txt', fresh.stream),
      ];
      await Promise.all([replacing.started, fresh.started]);
      expect((await collect((await repo.openArtifact('slow/file.txt')).stream)).toString()).toBe(
        'old content',
      );
      const error = await repo.openArtifact('slow/fresh.txt').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isMlflowError(error) ? error.errorCode : error).toBe('RESOURCE_DOES_NOT_EXIST');
      // Nothing half-written is listed: no temporary files, no second entry.
      expect(await repo.listArtifacts('slow')).toEqual([
        { path: 'slow/file.txt', isDir: false, fileSize: 'old content'.length },
      ]);
      replacing.release();
      fresh.release();
      await Promise.all(writes);
      expect((await collect((await repo.openArtifact('slow/file.txt')).stream)).toString()).toBe(
        'NEW-HEAD|NEW-TAIL',
      );
      expect((await repo.listArtifacts('slow')).map((e) => e.path)).toEqual([
        'slow/file.txt',
        'slow/fresh.txt',
      ]);
      await repo.deleteArtifacts('slow');
    });

    test('answers a missing file with RESOURCE_DOES_NOT_EXIST and a missing folder with an empty listing', async () => {
      const error = await repo.openArtifact('nope/missing.txt').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isMlflowError(error) ? error.errorCode : error).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(await repo.listArtifacts('no-such-folder')).toEqual([]);
    });

    for (const path of HOSTILE_PATHS)
      test(`refuses ${JSON.stringify(path)} on every operation, before any I/O`, async () => {
        await expectInvalid(repo.writeArtifact(path, Readable.from(Buffer.from('x'))));
        await expectInvalid(repo.openArtifact(path));
        await expectInvalid(repo.listArtifacts(path));
        await expectInvalid(repo.deleteArtifacts(path));
        await expectInvalid(repo.downloadArtifacts(path, join(local, 'hostile')));
      });
    done();
  });
}
