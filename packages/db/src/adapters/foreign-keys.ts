/** Foreign-key rows as child → referenced tables, without self-references. */
export function groupParents(rows: Array<{ child: string; parent: string }>): Map<string, Set<string>> {
  const parents = new Map<string, Set<string>>();
  for (const { child, parent } of rows) {
    if (child === parent) continue;
    parents.set(child, (parents.get(child) ?? new Set()).add(parent));
  }
  return parents;
}
