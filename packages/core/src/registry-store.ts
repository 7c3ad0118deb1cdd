import type { Page } from './entities.js';

/** A model version's stage (deprecated in MLflow in favour of aliases, still served). */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** MLflow's four stages, in canonical spelling. */
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** A registered-model or model-version tag. */
export interface RegistryTag {
  key: string;
  value: string;
}

/** A version of a registered model (MLflow's `ModelVersion`); `version` is a string on the wire and here. */
export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  userId: string;
  currentStage: ModelStage;
  description: string;
  source: string;
  runId: string;
  status: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  statusMessage: string;
  runLink: string;
  tags: RegistryTag[];
  aliases: string[];
  /** The MLflow 3 logged model the version was made from (its source `models:/<model_id>`), if any. */
  modelId?: string;
}

/** A registered model (MLflow's `RegisteredModel`). */
export interface RegisteredModel {
  name: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string;
  /** The latest version in each stage. */
  latestVersions: ModelVersion[];
  tags: RegistryTag[];
  aliases: Array<{ alias: string; version: string }>;
}

/** Arguments of a registry search. */
export interface RegistrySearchOptions {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** What `createModelVersion` takes. */
export interface CreateModelVersionInput {
  name: string;
  source: string;
  runId?: string;
  runLink?: string;
  description?: string;
  tags?: RegistryTag[];
  userId?: string;
  /** The MLflow 3 logged model the version is made from (MLflow's `model_id`; a `models:/<model_id>` source names it too). */
  modelId?: string;
}

/** The model-registry seam, with MLflow's semantics. */
export interface RegistryStore {
  createRegisteredModel(input: {
    name: string;
    description?: string;
    tags?: RegistryTag[];
  }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(options?: RegistrySearchOptions): Promise<Page<RegisteredModel>>;
  setRegisteredModelTag(name: string, tag: RegistryTag): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;

  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  searchModelVersions(options?: RegistrySearchOptions): Promise<Page<ModelVersion>>;
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions?: boolean,
  ): Promise<ModelVersion>;
  setModelVersionTag(name: string, version: string, tag: RegistryTag): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;

  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  close(): Promise<void>;
}
