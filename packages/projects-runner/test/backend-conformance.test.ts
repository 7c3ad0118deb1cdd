import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProjectBackendTarget, runProjectBackendConformance } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import {
  KubernetesProjectBackend,
  LocalProjectBackend,
  type ProjectBackend,
  runProject,
} from '../src/index.js';
import { capture } from './helpers.js';
import { startKubernetesStandIn } from './kubernetes-stand-in.js';

/** Runs the suite's projects on `backend` through runProject, recording into an in-memory SQLite store. */
async function target(
  backend: ProjectBackend,
  backendConfig: Record<string, unknown>,
  cleanup: () => Promise<void>,
): Promise<ProjectBackendTarget> {
  const store = await SqlTrackingStore.open('sqlite://');
  return {
    store,
    submit: (uri, entryPoint) =>
      runProject({
        uri,
        entryPoint,
        backend,
        backendConfig,
        store,
        trackingUri: 'http://tracking.example:5000',
        envManager: backend.name === 'local' ? 'local' : undefined,
        stdout: capture(),
        stderr: capture(),
        log: () => {},
      }),
    async cleanup() {
      await store.close();
      await cleanup();
    },
  };
}

runProjectBackendConformance({
  name: 'LocalProjectBackend',
  create: () => target(new LocalProjectBackend(), {}, async () => {}),
});

runProjectBackendConformance({
  name: 'KubernetesProjectBackend against the stand-in API server',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-k8s-conformance-'));
    const standIn = await startKubernetesStandIn(dir);
    return target(new KubernetesProjectBackend(), standIn.config, async () => {
      await standIn.close();
      await rm(dir, { recursive: true, force: true });
    });
  },
});
