import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { MlflowError } from '@flowline/core';

// MLflow answers every refused path with exactly "Invalid path" (its tests compare the whole body), and a
// symbolic link that escapes with its own sentence; the reason travels as the cause, for logs.
function refuse(path: string, why: string, message = 'Invalid path'): MlflowError {
  const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
  return MlflowError.invalidParameterValue(message, {
    cause: new Error(
      `Artifact path ${shown} refused: ${why}. Artifact paths are relative, use '/' between folders, and stay inside the artifact root.`,
    ),
  });
}

/** Every form a path takes as percent-encoding is peeled off (`%252e` → `%2e` → `.`), up to a few layers. */
function decodedLayers(path: string): string[] {
  const layers = [path];
  let current = path;
  for (let i = 0; i < 4 && /%[0-9a-f]{2}/i.test(current); i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break; // A lone '%' is just a character of the name.
    }
    if (next === current) break;
    layers.push(next);
    current = next;
  }
  return layers;
}

/**
 * Checks a user-supplied artifact path and returns it normalised (`a//b/./c` → `a/b/c`, `''` for the root).
 * Refused, whatever encoding hides them: `..` segments, absolute paths (`/x`, `C:\x`, `\\server`),
 * backslashes, NUL and other control characters. Called before any I/O by every repository and route.
 */
export function normalizeArtifactPath(path: string | undefined | null): string {
  if (path === undefined || path === null) return '';
  if (typeof path !== 'string') throw refuse(String(path), 'it must be a string');
  for (const layer of decodedLayers(path)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
    if (/[\u0000-\u001f\u007f]/.test(layer))
      throw refuse(path, 'control characters (such as NUL) are not allowed');
    if (layer.includes('\\')) throw refuse(path, "backslashes are not allowed; use '/'");
    if (layer.startsWith('/') || /^[a-zA-Z]:/.test(layer))
      throw refuse(path, 'absolute paths are not allowed');
    if (layer.split('/').some((segment) => segment === '..')) throw refuse(path, "'..' is not allowed");
  }
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/** Joins two relative artifact paths. */
export function joinArtifactPath(...parts: Array<string | undefined>): string {
  return parts
    .map((p) => normalizeArtifactPath(p))
    .filter((p) => p !== '')
    .join('/');
}

/**
 * The absolute local path for a relative artifact path under `root`, refusing anything that would land
 * outside it, including through symlinks: the deepest existing ancestor must resolve inside the root.
 */
export async function resolveInsideRoot(root: string, path: string): Promise<string> {
  const relativePath = normalizeArtifactPath(path);
  const absoluteRoot = resolve(root);
  const target = resolve(absoluteRoot, ...relativePath.split('/').filter(Boolean));
  if (target !== absoluteRoot && !target.startsWith(absoluteRoot + sep))
    throw refuse(path, 'it leads outside the artifact root');
  const realRoot = await realpath(absoluteRoot).catch(() => absoluteRoot);
  let probe = target;
  // Walk up from the target to the root; the first path that exists must resolve inside the real root.
  while (probe === absoluteRoot || probe.startsWith(absoluteRoot + sep)) {
    const real = await realpath(probe).catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? null : Promise.reject(error),
    );
    if (real !== null) {
      const inside = relative(realRoot, real);
      if (inside.startsWith('..') || isAbsolute(inside))
        throw refuse(
          path,
          'a symbolic link leads outside the artifact root',
          'Invalid path: resolved path is outside the artifact directory',
        );
      break;
    }
    if (probe === absoluteRoot) break;
    probe = dirname(probe);
  }
  return target;
}
