import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowError } from '@flowline/core';
import type { SourcePolicy } from './context.js';

// MLflow's rule for a model version's source (its server's create-model-version handler, the fix for
// CVE-2023-1177): a local source (a plain path or a `file:` URI) needs `run_id` and must lie inside that
// run's local artifact folder; any other URI is stored as given unless its path, fully URL-decoded, is
// relative or holds `.`/`..` parts or NUL. MLflow never checks that `run_id` names a known run for a
// non-local source, nor that a `runs:/` source names the same run as `run_id`.

/** Python's `urllib.parse.unquote_plus`: `+` is a space, `%XX` sequences decode as UTF-8, invalid ones stay. */
function unquotePlus(text: string): string {
  return text
    .replaceAll('+', ' ')
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

/** The parts of a URI as Python's `urllib.parse.urlparse` splits them (enough for the rules here). */
function urlParts(uri: string): { scheme: string; netloc: string; path: string } {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: urlsplit drops tabs and newlines, strips C0 and spaces.
  let rest = uri.replace(/[\t\r\n]/g, '').replace(/^[\u0000-\u0020]+/, '');
  let scheme = '';
  const head = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (head) {
    scheme = head[1]!.toLowerCase();
    rest = rest.slice(head[0].length);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end === -1 ? '' : rest.slice(2 + end);
  }
  let path = rest.split('#')[0]!.split('?')[0]!;
  // `;params` belong to the last path segment and are not part of the path.
  const semicolon = path.indexOf(';', path.lastIndexOf('/'));
  if (semicolon !== -1) path = path.slice(0, semicolon);
  return { scheme, netloc, path };
}

/** MLflow's `is_local_uri` for a source: no scheme, or `file:` on this host. */
export function isLocalSource(source: string): boolean {
  const { scheme, netloc } = urlParts(source);
  if (scheme === '') return true;
  if (scheme !== 'file') return false;
  const host = netloc.replace(/^.*@/, '').replace(/:\d*$/, '').toLowerCase();
  if (host !== '' && host !== '.' && !host.startsWith('localhost') && !host.startsWith('127.0.0.1')) {
    // MLflow answers this with INTERNAL_ERROR (500), and its own tests expect that status.
    throw MlflowError.internal(
      `${source} is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>).`,
    );
  }
  return true;
}

function localPath(uri: string): string {
  if (urlParts(uri).scheme !== 'file') return uri;
  try {
    return fileURLToPath(new URL(uri.replace(/^file:\/\/(localhost|127\.0\.0\.1|\.)?(?=\/)/i, 'file://')));
  } catch {
    return unquotePlus(urlParts(uri).path);
  }
}

/** Python's `Path(p).resolve()`: absolute, normalised, symlinks followed as far as the path exists. */
async function resolveReal(path: string): Promise<string> {
  const absolute = resolve(path);
  const tail: string[] = [];
  for (let head = absolute; ; ) {
    try {
      const real = await realpath(head);
      return tail.length === 0 ? real : join(real, ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return absolute;
      tail.push(basename(head));
      head = parent;
    }
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/** MLflow's check that a non-local source has no relative-path parts, in any encoding. */
function checkNonLocal(source: string): void {
  const refused = () =>
    MlflowError.invalidParameterValue(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file ` +
        'path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without ' +
        'relative path references present. Please provide an absolute path.',
    );
  let decoded = source;
  for (let next = unquotePlus(decoded); next !== decoded; next = unquotePlus(decoded)) decoded = next;
  const path = urlParts(decoded).path.replace(/\/+$/, '').replace(/\/+/g, '/');
  if (path.includes('\u0000') || decoded.split('/').includes('..')) throw refused();
  // MLflow compares the path with its resolved form: only an absolute path without `.` parts survives.
  // (MLflow resolves it on its own disk, so a local symlink could also refuse a remote URI; we do not.)
  const parts = path.split('/');
  if (!path.startsWith('/') || parts.slice(1).some((p) => p === '.' || p === '')) throw refused();
}

/** Checks a new version's source and run as MLflow's server does (see the rule above). */
export async function validateSource(
  source: string,
  runId: string | undefined,
  policy: SourcePolicy,
): Promise<void> {
  if (typeof source !== 'string' || source === '')
    throw MlflowError.invalidParameterValue("Missing value for required parameter 'source'.");
  if (policy.sourcePattern && !policy.sourcePattern.test(source)) {
    throw MlflowError.invalidParameterValue(`Invalid model version source: '${source}'.`);
  }
  if (!isLocalSource(source)) return checkNonLocal(source);
  // Without a way to look runs up (an embedded store), there is no run folder to hold the path against.
  if (!policy.runArtifactUri) return;
  let shown = source;
  if (runId) {
    const artifactUri = await policy.runArtifactUri(runId);
    const resolved = await resolveReal(localPath(source));
    shown = resolved;
    if (isLocalSource(artifactUri) && isInside(resolved, await resolveReal(localPath(artifactUri)))) return;
  }
  throw MlflowError.invalidParameterValue(
    `Invalid model version source: '${shown}'. To use a local path as a model version source, the run_id ` +
      'request parameter has to be specified and the local path has to be contained within the artifact ' +
      'directory of the run specified by the run_id.',
  );
}
