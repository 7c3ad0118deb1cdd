import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isMlflowError } from '@flowline/core';
import { failingSource, pausedSource } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactRepository } from '../src/index.js';

let dir: string;
let root: string;
let repo: LocalArtifactRepository;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-atomic-'));
  root = join(dir, 'root');
  repo = new LocalArtifactRepository(root);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every entry under `folder`, recursively, as relative paths. */
async function onDisk(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

const codeOf = (error: unknown) => (isMlflowError(error) ? error.errorCode : error);

describe('LocalArtifactRepository writes', () => {
  it('writes to a hidden file beside the target while the upload runs, renamed into place at the end', async () => {
    await repo.writeArtifact('run/model.bin', Readable.from(Buffer.from('old')));
    const upload = pausedSource('new-', 'bytes');
    const writing = repo.writeArtifact('run/model.bin', upload.stream);
    await upload.started;
    let partial: string | undefined;
    // Wait (by turns, not by time) until the temporary file has been created.
    for (let i = 0; i < 1000 && !partial; i++) {
      partial = (await readdir(join(root, 'run'))).find((name) => name.endsWith('.partial'));
      if (!partial) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(partial).toMatch(/^\.model\.bin\.[0-9a-f]{16}\.partial$/);
    expect(await readFile(join(root, 'run', 'model.bin'), 'utf8')).toBe('old');
    expect(await repo.listArtifacts('run')).toEqual([{ path: 'run/model.bin', isDir: false, fileSize: 3 }]);
    expect(codeOf(await repo.openArtifact(`run/${partial}`).catch((e: unknown) => e))).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    upload.release();
    await writing;
    expect(await onDisk(join(root, 'run'))).toEqual(['model.bin']);
    expect(await readFile(join(root, 'run', 'model.bin'), 'utf8')).toBe('new-bytes');
  });

  it('leaves nothing behind when the source fails: no temporary file, no folder made for it', async () => {
    await mkdir(join(root, 'kept'), { recursive: true });
    await writeFile(join(root, 'kept', 'a.txt'), 'a');
    const before = await onDisk(root);
    await expect(repo.writeArtifact('kept/a.txt', failingSource('partial'))).rejects.toThrow(/midway/);
    await expect(repo.writeArtifact('fresh/deep/b.txt', failingSource('partial'))).rejects.toThrow(/midway/);
    await expect(
      repo.writeArtifact('kept/c.txt', Readable.from(Buffer.from('abc')), { size: 10 }),
    ).rejects.toThrow(/ended after 3 of 10 bytes/);
    expect(await onDisk(root)).toEqual(before);
    expect(await readFile(join(root, 'kept', 'a.txt'), 'utf8')).toBe('a');
  });

  it('fails a write whose source fails while progress is reported, instead of waiting forever', async () => {
    const progress: number[] = [];
    await expect(
      repo.writeArtifact('kept/p.txt', failingSource('1234'), { onProgress: (n) => progress.push(n) }),
    ).rejects.toThrow(/midway/);
    expect(await onDisk(join(root, 'kept'))).toEqual(['a.txt']);
  });

  it('hides files named like an upload in progress and refuses to write such names', async () => {
    await writeFile(join(root, 'kept', '.a.txt.0123456789abcdef.partial'), 'half');
    expect((await repo.listArtifacts('kept')).map((e) => e.path)).toEqual(['kept/a.txt']);
    expect(
      codeOf(await repo.openArtifact('kept/.a.txt.0123456789abcdef.partial').catch((e: unknown) => e)),
    ).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(
      codeOf(
        await repo
          .writeArtifact('kept/.x.0123456789abcdef.partial', Readable.from(Buffer.from('x')))
          .catch((e: unknown) => e),
      ),
    ).toBe('INVALID_PARAMETER_VALUE');
    // Ordinary hidden files are artifacts like any other.
    await repo.writeArtifact('kept/.hidden', Readable.from(Buffer.from('h')));
    expect((await repo.listArtifacts('kept')).map((e) => e.path)).toEqual(['kept/.hidden', 'kept/a.txt']);
  });

  it('keeps long names writable (the temporary name stays short enough)', async () => {
    const name = `${'n'.repeat(250)}.txt`;
    await repo.writeArtifact(`long/${name}`, Readable.from(Buffer.from('long')));
    expect(await readFile(join(root, 'long', name), 'utf8')).toBe('long');
  });
});
