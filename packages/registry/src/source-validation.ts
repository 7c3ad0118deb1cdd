import { MlflowError } from '@flowline/core';
import type { SourcePolicy } from './context.js';

function refuse(source: string, why: string): MlflowError {
  return MlflowError.invalidParameterValue(`Invalid model version source '${source}': ${why}`);
}

function layers(text: string): string[] {
  const out = [text];
  let current = text;
  for (let i = 0; i < 4 && /%[0-9a-f]{2}/i.test(current); i++) {
    try {
      const next = decodeURIComponent(current);
      if (next === current) break;
      out.push(next);
      current = next;
    } catch {
      break;
    }
  }
  return out;
}

function inside(source: string, root: string): boolean {
  const base = root.replace(/\/+$/, '');
  return source === base || source.startsWith(`${base}/`);
}

/**
 * Checks a version's source as MLflow does, and more strictly: no traversal (`..`, encoded or not), no NUL,
 * and it must point into an artifact location Flowline manages: `runs:/…`, `models:/…`, the run's own
 * artifacts (when `run_id` is given), or a managed root (the proxy, the registry's copies).
 */
export async function validateSource(
  source: string,
  runId: string | undefined,
  policy: SourcePolicy,
): Promise<void> {
  if (typeof source !== 'string' || source === '')
    throw MlflowError.invalidParameterValue("Missing value for required parameter 'source'.");
  for (const layer of layers(source)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and control characters are what this refuses.
    if (/[\u0000-\u001f]/.test(layer)) throw refuse(source, 'control characters are not allowed.');
    if (layer.split(/[/\\]/).includes('..')) throw refuse(source, "'..' is not allowed.");
  }
  if (/^(runs|models):\//.test(source)) {
    const match = /^runs:\/\/?([^/]+)/.exec(source);
    if (match && runId && match[1] !== runId)
      throw refuse(source, `it names run ${match[1]}, but run_id is ${runId}.`);
    if (match && policy.runArtifactUri) await policy.runArtifactUri(match[1]!);
    return;
  }
  if (runId && policy.runArtifactUri) {
    const root = await policy.runArtifactUri(runId);
    if (inside(source, root)) return;
    if (!policy.managedRoots?.some((r) => inside(source, r))) {
      throw refuse(
        source,
        `it must be inside run ${runId}'s artifacts (${root}) or use runs:/${runId}/<path>.`,
      );
    }
    return;
  }
  // With a policy in force (runs known, or managed roots named), anything else is outside what Flowline manages.
  const roots = policy.managedRoots ?? [];
  const enforced = policy.runArtifactUri !== undefined || roots.length > 0;
  if (enforced && !roots.some((r) => inside(source, r))) {
    throw refuse(
      source,
      `it must point into an artifact location Flowline manages: a run's artifacts (give run_id, or use runs:/<run_id>/<path>)${
        roots.length > 0 ? ` or ${roots.join(', ')}` : ''
      }.`,
    );
  }
}
