import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunStatus, TrackingStore } from '@flowline/core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type SkipList, skippable } from './skip.js';

/** A submitted project run, as `@flowline/projects-runner`'s `ProjectRun` (MLflow's `SubmittedRun`). */
export interface SubmittedProjectRun {
  readonly runId: string;
  wait(): Promise<RunStatus>;
  getStatus(): Promise<RunStatus>;
  cancel(): Promise<void>;
}

/** A backend wired up for the suite: how to start a project's entry point on it, and the store it records into. */
export interface ProjectBackendTarget {
  /** Starts `entryPoint` of the project in `projectDir` on the backend (through `runProject`). */
  submit(projectDir: string, entryPoint: string): Promise<SubmittedProjectRun>;
  /** The tracking store the runs are recorded in. */
  store: TrackingStore;
  cleanup(): Promise<void>;
}

/** What `runProjectBackendConformance` runs against. */
export interface ProjectBackendConformanceOptions {
  name: string;
  create(): Promise<ProjectBackendTarget>;
  /** Deliberate differences of this backend: exact test name → why. */
  skip?: SkipList;
}

/**
 * The suite's project. Its commands work on a machine, and their words are what the Kubernetes stand-in
 * reads: a Job whose command says `fail` fails, one that says `sleep` stays active, others complete.
 */
const MLPROJECT = `name: conformance
entry_points:
  succeed:
    command: "echo succeeded"
  fail:
    command: "echo failing >&2; exit 3"
  sleep:
    command: "sleep 300"
`;

const TERMINAL: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/** Polls `getStatus` until it says `status` (at most 500 reads, 20 ms apart); returns what it read last. */
async function statusBecomes(run: SubmittedProjectRun, status: RunStatus): Promise<RunStatus> {
  let current = await run.getStatus();
  for (let i = 0; i < 500 && current !== status && !TERMINAL.includes(current); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    current = await run.getStatus();
  }
  return current;
}

/**
 * The ProjectBackend conformance suite: `run()` gives a `SubmittedRun` for the tracked run; `wait()`
 * resolves FINISHED or FAILED; `getStatus()` progresses to that status; `cancel()` ends it KILLED, in
 * the tracking store too (MLflow's `RunStatus`).
 */
export function runProjectBackendConformance(options: ProjectBackendConformanceOptions): void {
  describe(`ProjectBackend conformance: ${options.name}`, () => {
    let target: ProjectBackendTarget;
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'flowline-backend-conformance-'));
      await writeFile(join(dir, 'MLproject'), MLPROJECT);
      target = await options.create();
    });
    afterAll(async () => {
      await target?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });
    const submit = (entryPoint: string) => target.submit(dir, entryPoint);
    const { test, done } = skippable(options.skip);

    test('run() returns a SubmittedRun whose runId is the tracked run', async () => {
      const run = await submit('succeed');
      expect(run.runId).toMatch(/^[0-9a-f]{32}$/);
      expect((await target.store.getRun(run.runId)).info.runId).toBe(run.runId);
      await run.wait();
    });

    test('wait() resolves FINISHED for a command that succeeds, and the tracked run is FINISHED', async () => {
      const run = await submit('succeed');
      expect(await run.wait()).toBe('FINISHED');
      const tracked = (await target.store.getRun(run.runId)).info;
      expect(tracked.status).toBe('FINISHED');
      expect(tracked.endTime).toEqual(expect.any(Number));
    });

    test('wait() resolves FAILED for a command that fails, and the tracked run is FAILED', async () => {
      const run = await submit('fail');
      expect(await run.wait()).toBe('FAILED');
      expect((await target.store.getRun(run.runId)).info.status).toBe('FAILED');
    });

    test('getStatus() starts SCHEDULED or RUNNING and ends at the status wait() resolves with', async () => {
      const run = await submit('succeed');
      expect(['SCHEDULED', 'RUNNING', 'FINISHED']).toContain(await run.getStatus());
      const final = await run.wait();
      expect(await run.getStatus()).toBe(final);
      // Later calls keep the answer.
      expect(await run.wait()).toBe(final);
    });

    test('getStatus() says RUNNING while a long command runs', async () => {
      const run = await submit('sleep');
      try {
        expect(await statusBecomes(run, 'RUNNING')).toBe('RUNNING');
      } finally {
        await run.cancel();
      }
    });

    test('cancel() ends a running run KILLED: getStatus, wait and the tracked run all say KILLED', async () => {
      const run = await submit('sleep');
      expect(await statusBecomes(run, 'RUNNING')).toBe('RUNNING');
      await run.cancel();
      expect(await run.getStatus()).toBe('KILLED');
      expect((await target.store.getRun(run.runId)).info.status).toBe('KILLED');
      expect(await run.wait()).toBe('KILLED');
    });

    test('cancel() after the run ended leaves its status as it was', async () => {
      const run = await submit('succeed');
      expect(await run.wait()).toBe('FINISHED');
      await run.cancel();
      expect(await run.getStatus()).toBe('FINISHED');
      expect((await target.store.getRun(run.runId)).info.status).toBe('FINISHED');
    });

    done();
  });
}
