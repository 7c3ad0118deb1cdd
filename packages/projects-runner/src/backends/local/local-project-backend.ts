import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunStatus } from '@flowline/core';
import type { BackendRunRequest, ProjectBackend, SubmittedRun } from '../../backend.js';

/** The artifact that keeps a project run's combined output. */
export const OUTPUT_ARTIFACT = 'project_output.log';

class LocalSubmittedRun implements SubmittedRun {
  readonly runId: string;
  readonly #child: ChildProcess;
  readonly #done: Promise<RunStatus>;
  #status: RunStatus = 'RUNNING';
  #cancelled = false;

  constructor(
    runId: string,
    child: ChildProcess,
    finished: Promise<number | null>,
    afterExit: () => Promise<void>,
  ) {
    this.runId = runId;
    this.#child = child;
    this.#done = finished.then(async (code) => {
      this.#status = this.#cancelled ? 'KILLED' : code === 0 ? 'FINISHED' : 'FAILED';
      await afterExit();
      return this.#status;
    });
  }

  wait(): Promise<RunStatus> {
    return this.#done;
  }

  async getStatus(): Promise<RunStatus> {
    return this.#status;
  }

  async cancel(): Promise<void> {
    if (this.#status !== 'RUNNING') return;
    this.#cancelled = true;
    const pid = this.#child.pid;
    // The command runs in its own process group: signal the group so the shell's children stop too.
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (pid) process.kill(-pid, sig);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await this.#done.finally(() => clearTimeout(timer));
  }
}

/**
 * Runs the command as a child process on this machine (`/bin/sh -c`, its own process group), streaming
 * its output and saving it as the run artifact `project_output.log`. Exit 0 → FINISHED, else FAILED;
 * `cancel()` (Ctrl-C) → KILLED with the whole process tree terminated.
 */
export class LocalProjectBackend implements ProjectBackend {
  readonly name = 'local';

  async run(request: BackendRunRequest): Promise<SubmittedRun> {
    const logDir = await mkdtemp(join(tmpdir(), 'flowline-run-'));
    const logFile = join(logDir, OUTPUT_ARTIFACT);
    const log = createWriteStream(logFile);
    const child = spawn('/bin/sh', ['-c', request.command], {
      cwd: request.cwd,
      env: request.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    request.log(`=== Running command '${request.command}' in run with ID '${request.runId}' ===`);
    child.stdout!.on('data', (chunk: Buffer) => {
      request.stdout.write(chunk);
      log.write(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      request.stderr.write(chunk);
      log.write(chunk);
    });
    const finished = new Promise<number | null>((resolve) => {
      child.once('error', (error) => {
        log.write(`failed to start: ${error.message}\n`);
        resolve(127);
      });
      child.once('close', (code) => resolve(code));
    });
    const afterExit = async () => {
      await new Promise<void>((resolve) => log.end(() => resolve()));
      try {
        await request.artifacts?.logArtifact(logFile);
      } catch (error) {
        request.log(`Could not save the output log as an artifact: ${(error as Error).message}`);
      } finally {
        await rm(logDir, { recursive: true, force: true });
      }
    };
    return new LocalSubmittedRun(request.runId, child, finished, afterExit);
  }
}
