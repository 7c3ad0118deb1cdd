import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStoreHint, isFileStoreFolder, localFolderOf, parseStoreUri } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-db-filestore-'));
  await mkdir(join(dir, 'mlruns', '0'), { recursive: true });
  await writeFile(join(dir, 'mlruns', '0', 'meta.yaml'), 'name: Default\n');
  await mkdir(join(dir, 'registry-only', 'models', 'm'), { recursive: true });
  await writeFile(join(dir, 'registry-only', 'models', 'm', 'meta.yaml'), 'name: m\n');
  await mkdir(join(dir, 'trash-only', '.trash'), { recursive: true });
  await mkdir(join(dir, 'project', 'models'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MLflow file stores as store URIs', () => {
  it('reads paths and file: URIs as folders, other schemes not', () => {
    expect(localFolderOf('./mlruns', '/work')).toBe('/work/mlruns');
    expect(localFolderOf('/data/mlruns', '/work')).toBe('/data/mlruns');
    expect(localFolderOf('file:///data/mlruns')).toBe('/data/mlruns');
    expect(localFolderOf('file:mlruns', '/work')).toBe('/work/mlruns');
    expect(localFolderOf('sqlite:///mlflow.db')).toBeNull();
    expect(localFolderOf('http://localhost:5000')).toBeNull();
    expect(localFolderOf('')).toBeNull();
  });

  it('recognises the folders MLflow writes', () => {
    expect(isFileStoreFolder(join(dir, 'mlruns'))).toBe(true);
    expect(isFileStoreFolder(join(dir, 'registry-only'))).toBe(true);
    expect(isFileStoreFolder(join(dir, 'trash-only'))).toBe(true);
    // A folder that merely has a models/ folder, or none at all, is not one.
    expect(isFileStoreFolder(join(dir, 'project'))).toBe(false);
    expect(isFileStoreFolder(join(dir, 'missing'))).toBe(false);
  });

  it('refuses a file store with the command that imports it', () => {
    const hint =
      /'\.\/mlruns' is an MLflow file store.*`flowline db import-filestore \.\/mlruns --to sqlite:\/\/\/flowline\.db`/;
    expect(fileStoreHint('./mlruns', dir)).toMatch(hint);
    expect(() => parseStoreUri('./mlruns', dir)).toThrow(hint);
    const uri = pathToFileURL(join(dir, 'mlruns')).href;
    expect(() => parseStoreUri(uri, dir)).toThrow(/is an MLflow file store/);
    // Anything else keeps its own message.
    expect(fileStoreHint('sqlite:///mlflow.db', dir)).toBeNull();
    expect(() => parseStoreUri('./project', dir)).toThrow(/Unsupported store URI/);
    expect(() => parseStoreUri('file:///nowhere')).toThrow(/Unsupported store URI scheme 'file'/);
  });
});
