import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ArtifactRepository,
  authHeadersFromEnv,
  type FileInfo,
  MlflowError,
  type TrackingStore,
} from '@flowline/core';
import type { Command } from 'commander';
import { createOutput, table } from '../output.js';
import { transferProgress } from '../progress.js';
import { openTracking } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

async function withRunRepository<T>(
  g: GlobalOptions,
  target: { runId?: string; uri?: string },
  fn: (repository: ArtifactRepository, store: TrackingStore) => Promise<T>,
): Promise<T> {
  const { uri, store } = await openTracking(g);
  try {
    const { openArtifactRepository } = await import('@flowline/client');
    const context = { store, trackingUri: uri, headers: authHeadersFromEnv() };
    const artifactUri = target.uri ?? (await store.getRun(target.runId!)).info.artifactUri;
    return await fn(await openArtifactRepository(artifactUri, context), store);
  } finally {
    await store.close();
  }
}

function describeFiles(files: FileInfo[]): string {
  return table(
    ['Path', 'Type', 'Size'],
    files.map((f) => [
      f.path,
      f.isDir ? 'dir' : 'file',
      f.isDir ? '' : (f.fileSize ?? 0).toLocaleString('en-US'),
    ]),
  );
}

/** `flowline artifacts log-artifact|log-artifacts|list|download`, MLflow's names and flags. */
export function registerArtifacts(program: Command): void {
  const artifacts = program.command('artifacts').description("Upload, list and download a run's artifacts.");

  artifacts
    .command('log-artifact')
    .description('Upload a local file into a run’s artifacts.')
    .requiredOption('-l, --local-file <file>', 'file to upload')
    .requiredOption('--run-id <id>', 'run to attach it to')
    .option('-a, --artifact-path <path>', 'folder inside the run’s artifacts')
    .action(async (opts: { localFile: string; runId: string; artifactPath?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const progress = transferProgress('upload', await sizeOf(opts.localFile), g.json);
      await withRunRepository(g, { runId: opts.runId }, (repo) =>
        repo.logArtifact(opts.localFile, opts.artifactPath, progress),
      ).finally(() => progress.stop());
      createOutput(g.json).result(
        { run_id: opts.runId, local_file: resolve(opts.localFile), artifact_path: opts.artifactPath ?? '' },
        () =>
          `Logged ${opts.localFile} to run ${opts.runId}${opts.artifactPath ? ` under ${opts.artifactPath}` : ''}.`,
      );
    });

  artifacts
    .command('log-artifacts')
    .description('Upload a local folder’s contents into a run’s artifacts.')
    .requiredOption('-l, --local-dir <dir>', 'folder to upload')
    .requiredOption('--run-id <id>', 'run to attach it to')
    .option('-a, --artifact-path <path>', 'folder inside the run’s artifacts')
    .action(async (opts: { localDir: string; runId: string; artifactPath?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (!(await stat(opts.localDir)).isDirectory())
        throw MlflowError.invalidParameterValue(
          `${opts.localDir} is not a folder; use log-artifact for a file.`,
        );
      const progress = transferProgress('upload', await sizeOf(opts.localDir), g.json);
      await withRunRepository(g, { runId: opts.runId }, (repo) =>
        repo.logArtifacts(opts.localDir, opts.artifactPath, progress),
      ).finally(() => progress.stop());
      createOutput(g.json).result(
        { run_id: opts.runId, local_dir: resolve(opts.localDir), artifact_path: opts.artifactPath ?? '' },
        () =>
          `Logged ${opts.localDir} to run ${opts.runId}${opts.artifactPath ? ` under ${opts.artifactPath}` : ''}.`,
      );
    });

  artifacts
    .command('list')
    .description('List one level of a run’s artifacts.')
    .requiredOption('--run-id <id>', 'run whose artifacts to list')
    .option('-a, --artifact-path <path>', 'folder to list (default: the root)')
    .action(async (opts: { runId: string; artifactPath?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const files = await withRunRepository(g, { runId: opts.runId }, (repo) =>
        repo.listArtifacts(opts.artifactPath),
      );
      createOutput(g.json).result(
        {
          files: files.map((f) => ({
            path: f.path,
            is_dir: f.isDir,
            ...(f.isDir ? {} : { file_size: f.fileSize }),
          })),
        },
        () => describeFiles(files),
      );
    });

  artifacts
    .command('download')
    .description('Download a run’s artifacts (or any artifact URI) to a local folder; prints the local path.')
    .option('--run-id <id>', 'run to download from')
    .option('-a, --artifact-path <path>', 'file or folder inside the run (default: everything)')
    .option(
      '-u, --artifact-uri <uri>',
      'an artifact URI instead: runs:/<id>/<path>, s3://…, mlflow-artifacts:/…',
    )
    .option('-d, --dst-path <dir>', 'where to put it (default: the current folder)', '.')
    .action(
      async (
        opts: { runId?: string; artifactPath?: string; artifactUri?: string; dstPath: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!opts.runId === !opts.artifactUri) {
          throw MlflowError.invalidParameterValue('Give exactly one of --run-id or --artifact-uri.');
        }
        let target: { runId?: string; uri?: string };
        let path = opts.artifactPath ?? '';
        if (opts.artifactUri?.startsWith('runs:')) {
          const { parseRunsUri } = await import('@flowline/artifact-store');
          const parsed = parseRunsUri(opts.artifactUri);
          target = { runId: parsed.runId };
          path = parsed.path;
        } else if (
          opts.artifactUri?.startsWith('models:') &&
          !/^models:\/\/?([^/@]+@[\w-]+|[^/]+\/[^/]+)\/./.test(opts.artifactUri)
        ) {
          // A whole registered model version: download its folder.
          target = { uri: opts.artifactUri };
          path = '';
        } else if (opts.artifactUri) {
          const uri = opts.artifactUri.replace(/\/+$/, '');
          const cut = uri.lastIndexOf('/');
          target = { uri: uri.slice(0, cut) };
          path = decodeURIComponent(uri.slice(cut + 1));
        } else {
          target = { runId: opts.runId };
        }
        const local = await withRunRepository(g, target, async (repo) => {
          const total = await totalSize(repo, path);
          const progress = transferProgress('download', total, g.json);
          try {
            return await repo.downloadArtifacts(path, resolve(opts.dstPath), progress);
          } finally {
            progress.stop();
          }
        });
        createOutput(g.json).result({ local_path: local }, () => local);
      },
    );
}

/** Bytes under a path (for the progress bar); unknown sizes count as zero. */
async function totalSize(repo: ArtifactRepository, path: string): Promise<number> {
  const slash = path.lastIndexOf('/');
  const parent = await repo.listArtifacts(slash === -1 ? '' : path.slice(0, slash)).catch(() => []);
  const self = parent.find((e) => e.path === path);
  if (self && !self.isDir) return self.fileSize ?? 0;
  let total = 0;
  const walk = async (dir: string) => {
    for (const entry of await repo.listArtifacts(dir)) {
      if (entry.isDir) await walk(entry.path);
      else total += entry.fileSize ?? 0;
    }
  };
  await walk(path);
  return total;
}
