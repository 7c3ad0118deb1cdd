import { readFile } from 'node:fs/promises';
import { HTTP_STATUS_BY_CODE } from '@flowline/core';
import { describe, expect, it } from 'vitest';

// As fastify tests lib/errors.js against docs/Reference/Errors.md: the README's table is the documentation
// of the one code→status table, so the two must list the same codes with the same statuses.

/** The rows of the README's "Error codes" table, as [code, status]. */
async function documentedCodes(): Promise<Array<[string, number]>> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('### Error codes')[1]?.split(/\n#{2,3} /)[0] ?? '';
  return [...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|$/gm)].map((m) => [m[1]!, Number(m[2])]);
}

describe('error codes', () => {
  it("the server README lists exactly core's code→status table", async () => {
    const documented = await documentedCodes();
    expect(documented.length).toBeGreaterThan(0);
    expect(new Set(documented.map(([code]) => code)).size, 'no code listed twice').toBe(documented.length);
    expect(Object.fromEntries(documented)).toEqual(HTTP_STATUS_BY_CODE);
  });
});
