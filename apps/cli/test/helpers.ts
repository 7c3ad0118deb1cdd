import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built `flowline` command. */
export const bin: string = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Where and how a test runs the CLI. */
export interface CliOptions {
  env: Record<string, string>;
  cwd: string;
}

/** Runs `flowline args…` to the end, with `input` on stdin; returns its exit code and output. */
export function runCli(
  args: string[],
  options: CliOptions,
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...options.env }, cwd: options.cwd },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `flowline models serve -m uri` on a free port and waits until it listens. */
export async function serveModel(
  uri: string,
  options: CliOptions,
  extra: string[] = [],
): Promise<{ url: string; logs(): string; stop(): Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'models', 'serve', '-m', uri, '-p', String(port), ...extra], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.on('data', (d) => (logs += d));
  child.stderr.on('data', (d) => (logs += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 100 && !logs.includes('scoring server listening'); i++)
    await new Promise((r) => setTimeout(r, 100));
  if (!logs.includes('scoring server listening')) throw new Error(`serve did not start: ${logs}`);
  return {
    url: `http://127.0.0.1:${port}`,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
