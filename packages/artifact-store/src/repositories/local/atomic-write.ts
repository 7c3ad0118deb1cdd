import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expectBytes, STREAM_CHUNK } from '../../base-repository.js';

// `.<name>.<16 hex>.partial`: hidden, beside its target so the final rename stays on one file system.
const PARTIAL = /^\..*\.[0-9a-f]{16}\.partial$/s;

/** True for the name of an upload still in progress; such files are never listed or served. */
export function isPartialName(name: string): boolean {
  return PARTIAL.test(name);
}

function partialPathFor(target: string): string {
  // The name is cut so that the temporary name stays within the file system's 255-byte limit.
  return join(dirname(target), `.${basename(target).slice(0, 64)}.${randomBytes(8).toString('hex')}.partial`);
}

/** Removes the folders `mkdir` made for a write that failed, innermost first, as long as they are empty. */
async function removeCreatedFolders(folder: string, firstCreated: string | undefined): Promise<void> {
  if (firstCreated === undefined) return;
  let current = folder;
  while (current === firstCreated || current.startsWith(firstCreated + sep)) {
    const removed = await rmdir(current).then(
      () => true,
      () => false,
    );
    if (!removed || relative(firstCreated, current) === '') return;
    current = dirname(current);
  }
}

/**
 * Writes `source` to `target` so that no reader ever sees part of it: the bytes go to a hidden temporary
 * file in the same folder, renamed over `target` once the stream ends with every expected byte. On any
 * error (the source failing, a client going away, fewer than `size` bytes) the temporary file, and any
 * folder made for it, is removed and an older `target` stays as it was.
 */
export async function writeAtomically(
  target: string,
  source: Readable,
  size: number | undefined,
  checkFolder: () => Promise<unknown>,
): Promise<void> {
  const folder = dirname(target);
  const created = await mkdir(folder, { recursive: true });
  const temp = partialPathFor(target);
  try {
    // Re-check once the folders exist: a symlink created meanwhile must not redirect the write.
    await checkFolder();
    // Exclusive creation: never follows or reuses something already at the temporary name.
    const handle = await open(temp, 'wx');
    await pipeline(source, expectBytes(size), handle.createWriteStream({ highWaterMark: STREAM_CHUNK }));
    await rename(temp, target);
  } catch (error) {
    // Cleanup never hides why the write failed.
    await rm(temp, { force: true }).catch(() => {});
    await removeCreatedFolders(folder, created);
    throw error;
  }
}
