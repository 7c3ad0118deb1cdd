#!/usr/bin/env node
// Artifact benchmark: a 1 GiB file uploaded and then downloaded through the tracking server's proxy, and
// the same bytes copied with fs.copyFile in the same run (the baseline). Prints MB/s for each, the ratios,
// and how much the server's RSS grew at its peak during the transfers.
// Usage: node bench/artifacts/run.mjs [--mib 1024]
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { HttpArtifactRepository } from '@flowline/artifact-store';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } });
const MIB = Number(values.mib);
const bytes = MIB * 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'flowline-bench-artifacts-'));
try {
  const source = join(dir, 'source.bin');
  const handle = await open(source, 'w');
  const block = randomBytes(1024 * 1024);
  for (let i = 0; i < MIB; i++) await handle.write(block);
  await handle.close();

  const rate = (ms) => bytes / 1024 / 1024 / (ms / 1000);
  // The baseline runs before and after the proxy transfers and is averaged: page-cache and write-back
  // state change as gigabytes are written, and timing it only first would flatter it.
  // Every timed phase starts with dirty pages flushed (`sync`), so each writes its gigabyte under the same
  // conditions instead of being throttled by the write-back of the phase before it.
  const settle = () => execFileSync('sync');
  const timeCopy = async () => {
    settle();
    const t0 = performance.now();
    await copyFile(source, join(dir, 'copy.bin'));
    const ms = performance.now() - t0;
    await rm(join(dir, 'copy.bin'));
    return ms;
  };
  const copyBefore = await timeCopy();
  let t;

  const child = fork(new URL('./server-process.mjs', import.meta.url), [join(dir, 'destination')], {
    stdio: 'inherit',
  });
  const next = () => new Promise((resolve) => child.once('message', resolve));
  const { url } = await next();
  const repo = new HttpArtifactRepository('mlflow-artifacts:/bench', { trackingUri: url });

  settle();
  t = performance.now();
  await repo.logArtifact(source, 'files');
  const uploadMs = performance.now() - t;

  settle();
  t = performance.now();
  const downloadedPath = await repo.downloadArtifacts('files/source.bin', join(dir, 'downloads'));
  const downloadMs = performance.now() - t;
  const downloaded = (await stat(downloadedPath)).size;
  if (downloaded !== bytes) throw new Error(`downloaded ${downloaded} bytes, expected ${bytes}`);

  await rm(downloadedPath);

  // The proxy's own download rate, bytes discarded: separates serving from writing the local copy.
  settle();
  t = performance.now();
  let counted = 0;
  for await (const chunk of (await repo.openArtifact('files/source.bin')).stream) counted += chunk.length;
  const discardMs = performance.now() - t;
  if (counted !== bytes) throw new Error(`streamed ${counted} bytes, expected ${bytes}`);
  const copyMs = (copyBefore + (await timeCopy())) / 2;

  child.send('rss');
  const { peak, rssAtStart } = await next();
  child.send('stop');
  await new Promise((r) => child.once('exit', r));

  const mb = (n) => (n / 1024 / 1024).toFixed(1);
  console.log(`${MIB} MiB file; server proxy writing to a local folder on the same disk; 2 cores`);
  console.log(
    `  fs.copyFile (baseline):   ${rate(copyMs).toFixed(0)} MB/s (mean of ${rate(copyBefore).toFixed(0)} before and the run after)`,
  );
  console.log(
    `  upload through proxy:     ${rate(uploadMs).toFixed(0)} MB/s   ratio ${(copyMs / uploadMs).toFixed(2)} (target ≥ 0.60)`,
  );
  console.log(
    `  download through proxy:   ${rate(downloadMs).toFixed(0)} MB/s   ratio ${(copyMs / downloadMs).toFixed(2)} (target ≥ 0.60)`,
  );
  console.log(
    `  download, bytes discarded: ${rate(discardMs).toFixed(0)} MB/s   (the proxy alone, no local file written)`,
  );
  console.log(
    `  server RSS: ${mb(rssAtStart)} MB at start, peak ${mb(peak)} MB, growth ${mb(peak - rssAtStart)} MB (target < 100 MB)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
