import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

/**
 * Runs an ES module `script` in a fresh Node process started in this package's folder (so it sees only
 * what is installed, none of the test's state), with `args` as `process.argv[1…]`, and returns the JSON
 * printed on its last line of output.
 */
export async function runFresh(script: string, args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, ...args],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** Expects a matrix of numbers equal to `expected` to 5 decimals, shape included. */
export function expectCloseRows(actual: unknown, expected: number[][]): void {
  const rows = actual as number[][];
  expect(rows).toHaveLength(expected.length);
  for (const [i, row] of rows.entries()) {
    expect(row).toHaveLength(expected[i]!.length);
    for (const [j, v] of row.entries()) expect(v).toBeCloseTo(expected[i]![j]!, 5);
  }
}
