/** Rewrites a LIKE pattern (`%`, `_`, `\` escapes) as a GLOB pattern, which SQLite matches case-sensitively. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i]!;
      out += next === '*' || next === '?' || next === '[' ? `[${next}]` : next;
    } else if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}
