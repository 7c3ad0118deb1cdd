// The registry's objects in MLflow's JSON: snake_case, versions as strings, unset fields and empty lists omitted.
import type { ModelVersion, RegisteredModel, RegistryTag } from './registry-store.js';

/** A registered model's or version's tag on the wire. */
export interface WireRegistryTag {
  key: string;
  value?: string;
}

/** `ModelVersion` on the wire (MLflow's model_registry.proto). */
export interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage: string;
  description?: string;
  source?: string;
  run_id?: string;
  status: ModelVersion['status'];
  status_message?: string;
  tags?: WireRegistryTag[];
  run_link?: string;
  model_id?: string;
  aliases?: string[];
}

/** `RegisteredModel` on the wire (MLflow's model_registry.proto). */
export interface WireRegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  latest_versions?: WireModelVersion[];
  tags?: WireRegistryTag[];
  aliases?: Array<{ alias: string; version: string }>;
}

const tags = (list: RegistryTag[]): WireRegistryTag[] | undefined =>
  list.length > 0 ? list.map((t) => ({ key: t.key, value: t.value })) : undefined;

/** A model version as MLflow's JSON. */
export function toWireModelVersion(v: ModelVersion): WireModelVersion {
  return {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp ?? undefined,
    last_updated_timestamp: v.lastUpdatedTimestamp ?? undefined,
    user_id: v.userId || undefined,
    current_stage: v.currentStage,
    description: v.description || undefined,
    source: v.source || undefined,
    run_id: v.runId || undefined,
    status: v.status,
    status_message: v.statusMessage || undefined,
    tags: tags(v.tags),
    run_link: v.runLink || undefined,
    model_id: v.modelId || undefined,
    aliases: v.aliases.length > 0 ? v.aliases : undefined,
  };
}

/** A registered model as MLflow's JSON. */
export function toWireRegisteredModel(m: RegisteredModel): WireRegisteredModel {
  return {
    name: m.name,
    creation_timestamp: m.creationTimestamp ?? undefined,
    last_updated_timestamp: m.lastUpdatedTimestamp ?? undefined,
    description: m.description || undefined,
    latest_versions: m.latestVersions.length > 0 ? m.latestVersions.map(toWireModelVersion) : undefined,
    tags: tags(m.tags),
    aliases:
      m.aliases.length > 0 ? m.aliases.map((a) => ({ alias: a.alias, version: a.version })) : undefined,
  };
}
