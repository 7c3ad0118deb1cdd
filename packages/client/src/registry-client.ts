import type {
  CreateModelVersionInput,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  RegistrySearchOptions,
  RegistryStore,
  RegistryTag,
} from '@flowline/core';
import { type HttpOptions, HttpTransport } from './http.js';

const API = '/api/2.0/mlflow';

interface WireVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  status_message?: string;
  tags?: Array<{ key: string; value?: string }>;
  run_link?: string;
  model_id?: string;
  aliases?: string[];
}

interface WireModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: WireVersion[];
  tags?: Array<{ key: string; value?: string }>;
  aliases?: Array<{ alias: string; version: string }>;
}

const tags = (list?: Array<{ key: string; value?: string }>): RegistryTag[] =>
  (list ?? []).map((t) => ({ key: t.key, value: t.value ?? '' }));

function fromWireVersion(v: WireVersion): ModelVersion {
  return {
    name: v.name,
    version: String(v.version),
    creationTimestamp: v.creation_timestamp ?? null,
    lastUpdatedTimestamp: v.last_updated_timestamp ?? null,
    userId: v.user_id ?? '',
    currentStage: (v.current_stage ?? 'None') as ModelStage,
    description: v.description ?? '',
    source: v.source ?? '',
    runId: v.run_id ?? '',
    status: (v.status ?? 'READY') as ModelVersion['status'],
    statusMessage: v.status_message ?? '',
    runLink: v.run_link ?? '',
    ...(v.model_id ? { modelId: v.model_id } : {}),
    tags: tags(v.tags),
    aliases: v.aliases ?? [],
  };
}

function fromWireModel(m: WireModel): RegisteredModel {
  return {
    name: m.name,
    creationTimestamp: m.creation_timestamp ?? null,
    lastUpdatedTimestamp: m.last_updated_timestamp ?? null,
    description: m.description ?? '',
    latestVersions: (m.latest_versions ?? []).map(fromWireVersion),
    tags: tags(m.tags),
    aliases: m.aliases ?? [],
  };
}

/** MLflow's model-registry REST API, one method per endpoint; implements `RegistryStore`. */
export class RegistryClient implements RegistryStore {
  readonly http: HttpTransport;

  constructor(trackingUri: string, options: HttpOptions = {}) {
    this.http = new HttpTransport(trackingUri, options);
  }

  #call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: Record<string, unknown>,
  ): Promise<T> {
    return this.http.request<T>(method, API + path, body);
  }

  /** POST registered-models/create. */
  async createRegisteredModel(input: {
    name: string;
    description?: string;
    tags?: RegistryTag[];
  }): Promise<RegisteredModel> {
    return fromWireModel(
      (await this.#call<{ registered_model: WireModel }>('POST', '/registered-models/create', { ...input }))
        .registered_model,
    );
  }
  /** GET registered-models/get. */
  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return fromWireModel(
      (await this.#call<{ registered_model: WireModel }>('GET', '/registered-models/get', { name }))
        .registered_model,
    );
  }
  /** POST registered-models/rename. */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return fromWireModel(
      (
        await this.#call<{ registered_model: WireModel }>('POST', '/registered-models/rename', {
          name,
          new_name: newName,
        })
      ).registered_model,
    );
  }
  /** PATCH registered-models/update. */
  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return fromWireModel(
      (
        await this.#call<{ registered_model: WireModel }>('PATCH', '/registered-models/update', {
          name,
          description,
        })
      ).registered_model,
    );
  }
  /** DELETE registered-models/delete. */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#call('DELETE', '/registered-models/delete', { name });
  }
  /** GET registered-models/search. */
  async searchRegisteredModels(options: RegistrySearchOptions = {}): Promise<Page<RegisteredModel>> {
    const res = await this.#call<{ registered_models?: WireModel[]; next_page_token?: string }>(
      'GET',
      '/registered-models/search',
      {
        filter: options.filter,
        max_results: options.maxResults,
        order_by: options.orderBy,
        page_token: options.pageToken,
      },
    );
    const items = (res.registered_models ?? []).map(fromWireModel);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }
  /** POST registered-models/set-tag. */
  async setRegisteredModelTag(name: string, tag: RegistryTag): Promise<void> {
    await this.#call('POST', '/registered-models/set-tag', { name, ...tag });
  }
  /** DELETE registered-models/delete-tag. */
  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.#call('DELETE', '/registered-models/delete-tag', { name, key });
  }
  /** POST registered-models/get-latest-versions. */
  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const res = await this.#call<{ model_versions?: WireVersion[] }>(
      'POST',
      '/registered-models/get-latest-versions',
      { name, stages },
    );
    return (res.model_versions ?? []).map(fromWireVersion);
  }
  /** POST model-versions/create. */
  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const res = await this.#call<{ model_version: WireVersion }>('POST', '/model-versions/create', {
      name: input.name,
      source: input.source,
      run_id: input.runId,
      run_link: input.runLink,
      description: input.description,
      tags: input.tags,
      model_id: input.modelId,
    });
    return fromWireVersion(res.model_version);
  }
  /** GET model-versions/get. */
  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return fromWireVersion(
      (await this.#call<{ model_version: WireVersion }>('GET', '/model-versions/get', { name, version }))
        .model_version,
    );
  }
  /** PATCH model-versions/update. */
  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return fromWireVersion(
      (
        await this.#call<{ model_version: WireVersion }>('PATCH', '/model-versions/update', {
          name,
          version,
          description,
        })
      ).model_version,
    );
  }
  /** DELETE model-versions/delete. */
  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.#call('DELETE', '/model-versions/delete', { name, version });
  }
  /** GET model-versions/search. */
  async searchModelVersions(options: RegistrySearchOptions = {}): Promise<Page<ModelVersion>> {
    const res = await this.#call<{ model_versions?: WireVersion[]; next_page_token?: string }>(
      'GET',
      '/model-versions/search',
      {
        filter: options.filter,
        max_results: options.maxResults,
        order_by: options.orderBy,
        page_token: options.pageToken,
      },
    );
    const items = (res.model_versions ?? []).map(fromWireVersion);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }
  /** POST model-versions/transition-stage. */
  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    const res = await this.#call<{ model_version: WireVersion }>('POST', '/model-versions/transition-stage', {
      name,
      version,
      stage,
      archive_existing_versions: archiveExistingVersions,
    });
    return fromWireVersion(res.model_version);
  }
  /** POST model-versions/set-tag. */
  async setModelVersionTag(name: string, version: string, tag: RegistryTag): Promise<void> {
    await this.#call('POST', '/model-versions/set-tag', { name, version, ...tag });
  }
  /** DELETE model-versions/delete-tag. */
  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.#call('DELETE', '/model-versions/delete-tag', { name, version, key });
  }
  /** GET model-versions/get-download-uri. */
  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return (
      await this.#call<{ artifact_uri: string }>('GET', '/model-versions/get-download-uri', { name, version })
    ).artifact_uri;
  }
  /** POST registered-models/alias. */
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.#call('POST', '/registered-models/alias', { name, alias, version });
  }
  /** DELETE registered-models/alias. */
  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.#call('DELETE', '/registered-models/alias', { name, alias });
  }
  /** GET registered-models/alias. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return fromWireVersion(
      (await this.#call<{ model_version: WireVersion }>('GET', '/registered-models/alias', { name, alias }))
        .model_version,
    );
  }
  /** Nothing to release. */
  async close(): Promise<void> {}
}
