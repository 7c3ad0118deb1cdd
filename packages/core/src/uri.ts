/** Joins path segments onto a URI or path with single slashes, as MLflow's `append_to_uri_path`. */
export function appendToUriPath(base: string, ...segments: string[]): string {
  let out = base;
  for (const segment of segments) {
    const clean = segment.replace(/^\/+/, '');
    if (clean === '') continue;
    out = out.endsWith('/') ? out + clean : `${out}/${clean}`;
  }
  return out;
}
