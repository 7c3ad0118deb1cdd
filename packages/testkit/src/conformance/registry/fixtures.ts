import { randomBytes } from 'node:crypto';
import type { CreateModelVersionInput, ModelVersion, RegistryStore, RegistryTag } from '@flowline/core';
import { uniqueName } from '../harness.js';

/** The registry store a registry suite is running against. */
export type GetRegistry = () => RegistryStore;

/** A run id no store knows (remote sources are stored with any run id, as MLflow does). */
export function fakeRunId(): string {
  return randomBytes(16).toString('hex');
}

/** Creates a registered model under a name no other test uses, and returns the name. */
export async function newModel(
  store: RegistryStore,
  input: { description?: string; tags?: RegistryTag[]; prefix?: string } = {},
): Promise<string> {
  const { prefix = 'model', ...rest } = input;
  const name = uniqueName(prefix);
  await store.createRegisteredModel({ name, ...rest });
  return name;
}

/** Creates the next version of `name` with a remote source, which every store accepts without checks. */
export function newVersion(
  store: RegistryStore,
  name: string,
  input: Partial<Omit<CreateModelVersionInput, 'name'>> = {},
): Promise<ModelVersion> {
  return store.createModelVersion({ name, source: `s3://flowline-conformance/${name}/model`, ...input });
}
