import { type ChildProcess, execFile, spawn } from 'node:child_process';
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

/** A long-running `flowline` process (a server) that has logged that it is ready. */
export interface CliProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  logs(): string;
  exited: Promise<number | null>;
  /** Sends SIGTERM and waits for the exit status. */
  stop(): Promise<number | null>;
}

/**
 * Starts `flowline args…` and resolves as soon as its output matches `ready` (no polling); rejects with
 * the output when it exits first or has not got there within `timeoutMs`.
 */
export async function startCli(
  args: string[],
  options: CliOptions,
  ready: string | RegExp,
  timeoutMs = 20_000,
): Promise<CliProcess> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const isReady = () => (typeof ready === 'string' ? logs.includes(ready) : ready.test(logs));
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`flowline ${args.join(' ')} ${why}:\n${logs}`));
    const timer = setTimeout(() => fail(`logged no ${ready} within ${timeoutMs} ms`), timeoutMs);
    const collect = (data: Buffer) => {
      logs += data;
      if (isReady()) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(`exited ${code} before it was ready`);
    });
  });
  return {
    child,
    logs: () => logs,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Starts `flowline models serve -m uri` on a free port and waits until it listens. */
export async function serveModel(
  uri: string,
  options: CliOptions,
  extra: string[] = [],
): Promise<{ url: string; logs(): string; stop(): Promise<number | null> }> {
  const port = await freePort();
  const server = await startCli(
    ['models', 'serve', '-m', uri, '-p', String(port), ...extra],
    options,
    'scoring server listening',
  );
  return { url: `http://127.0.0.1:${port}`, logs: server.logs, stop: server.stop };
}
