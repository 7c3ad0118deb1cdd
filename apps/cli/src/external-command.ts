import { spawn } from 'node:child_process';

/**
 * Runs another program (`docker build`, `kubectl apply`) with its output shown on this terminal (stdout
 * dropped when `quiet`, as for `--json`), `input` written to its stdin; resolves with its exit status, and
 * rejects with the spawn error (`code: 'ENOENT'` when it is not installed).
 */
export function runExternal(
  command: string,
  args: string[],
  options: { input?: string; quiet?: boolean } = {},
): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      stdio: [
        options.input === undefined ? 'ignore' : 'pipe',
        options.quiet ? 'ignore' : 'inherit',
        'inherit',
      ],
    });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
