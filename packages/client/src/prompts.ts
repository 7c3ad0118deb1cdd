import {
  isMlflowError,
  MlflowError,
  type ModelVersion,
  type Page,
  type RegisteredModel,
  type RegistryStore,
  type RegistryTag,
  type TrackingStore,
} from '@flowline/core';
import { linkToActiveTrace, linkToRun, linkToTrace } from './prompt-links.js';
import { checkTemplate, type PromptTemplate, pythonJson } from './prompt-template.js';
import {
  hasPromptTag,
  type PromptRef,
  PromptTags,
  type PromptVersion,
  promptVersionFrom,
  tagRecord,
} from './prompt-version.js';

/** What `registerPrompt` takes (MLflow's `register_prompt`). */
export interface RegisterPromptInput {
  name: string;
  /** Text with `{{variable}}` placeholders, or a chat template: a list of `{role, content}` messages. */
  template: PromptTemplate;
  /** Stored as the version's description (and the prompt's, when this creates it). */
  commitMessage?: string;
  /** Tags of the version; they are also set on the prompt, as MLflow does. */
  tags?: Record<string, string>;
  /** The JSON schema of the expected response, stored with the version. */
  responseFormat?: Record<string, unknown>;
  /** Model settings (provider, model_name, temperature, …), stored with the version. */
  modelConfig?: Record<string, unknown>;
}

/** A registered prompt as `searchPrompts` lists it (MLflow's `Prompt`). */
export interface Prompt {
  name: string;
  description: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  /** The prompt's tags, without `mlflow.prompt.is_prompt`. */
  tags: Record<string, string>;
  aliases: Array<{ alias: string; version: string }>;
}

/** Options of `loadPrompt`. */
export interface LoadPromptOptions {
  /** A version number or an alias, when `nameOrUri` is a bare name (default: the latest version). */
  version?: string | number;
  /** Return null instead of throwing when the prompt or version does not exist. */
  allowMissing?: boolean;
  /** Link the loaded version to the active run and trace, as MLflow's `load_prompt` does (default true). */
  link?: boolean;
}

/** Where a `PromptRegistry` links prompts: the tracking store, and the active run (for the fluent API). */
export interface PromptRegistryOptions {
  trackingStore?: TrackingStore;
  /** The run a loaded prompt is linked to, if any (the fluent API passes its active run). */
  activeRunId?: () => string | undefined;
}

// MLflow's placeholder source for prompt versions (the server checks no source for them).
const PROMPT_SOURCE = 'prompt-template';
const NAME_RULE = /^[a-zA-Z0-9_.-]+$/;
const PROMPT_FILTER = `tags.\`${PromptTags.isPrompt}\` = 'true'`;

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_RULE.test(name))
    throw MlflowError.invalidParameterValue(
      `Invalid prompt name '${String(name)}': use only letters, digits, '_', '-' and '.'.`,
    );
  return name;
}

/** A `prompts:/name/version`, `prompts:/name@alias` or `prompts:/name` URI as name and version-or-alias. */
export function parsePromptUri(uri: string): { name: string; version?: string; alias?: string } {
  const match = /^prompts:\/+([^/@]+)(?:\/(\d+)|@([^/]+))?\/?$/.exec(uri);
  if (!match)
    throw MlflowError.invalidParameterValue(
      `Invalid prompt URI: ${uri}. Expected 'prompts:/<name>/<version>', 'prompts:/<name>@<alias>' or 'prompts:/<name>'.`,
    );
  const [, name, version, alias] = match;
  return { name: name!, ...(version ? { version } : {}), ...(alias ? { alias } : {}) };
}

/**
 * MLflow 3's prompt registry over any `RegistryStore` (the REST client or the SQL registry): a prompt is a
 * registered model tagged `mlflow.prompt.is_prompt=true`, each version a model version holding the
 * template in `mlflow.prompt.text`, so MLflow's own client sees the same prompts.
 */
export class PromptRegistry {
  readonly registry: RegistryStore;
  readonly #options: PromptRegistryOptions;

  constructor(registry: RegistryStore, options: PromptRegistryOptions = {}) {
    this.registry = registry;
    this.#options = options;
  }

  /**
   * Registers a new version of a prompt, creating the prompt when the name is new (MLflow's
   * `register_prompt`). A registered model of that name that is not a prompt is refused.
   */
  async registerPrompt(input: RegisterPromptInput): Promise<PromptVersion> {
    const name = checkName(input?.name);
    const template = checkTemplate(input.template);
    const userTags = Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value: String(value) }));
    let created = false;
    const existing = await this.#modelOrNull(name);
    if (!existing) {
      await this.registry.createRegisteredModel({
        name,
        description: input.commitMessage,
        tags: [{ key: PromptTags.isPrompt, value: 'true' }, ...userTags],
      });
      created = true;
    } else if (!hasPromptTag(existing.tags)) {
      throw MlflowError.invalidParameterValue(
        `Model '${name}' exists with the same name. MLflow does not allow registering a prompt with the same ` +
          'name as an existing model. Please choose a different name for the prompt.',
      );
    } else {
      for (const tag of userTags) await this.registry.setRegisteredModelTag(name, tag);
    }
    const chat = typeof template !== 'string';
    const versionTags: RegistryTag[] = [
      ...userTags,
      { key: PromptTags.isPrompt, value: 'true' },
      { key: PromptTags.text, value: chat ? pythonJson(template) : template },
      { key: PromptTags.type, value: chat ? 'chat' : 'text' },
    ];
    if (input.responseFormat)
      versionTags.push({ key: PromptTags.responseFormat, value: pythonJson(input.responseFormat) });
    if (input.modelConfig)
      versionTags.push({ key: PromptTags.modelConfig, value: pythonJson(input.modelConfig) });
    let mv: ModelVersion;
    try {
      mv = await this.registry.createModelVersion({
        name,
        source: PROMPT_SOURCE,
        description: input.commitMessage,
        tags: versionTags,
      });
    } catch (error) {
      // As MLflow: a prompt whose first version failed is not left behind empty.
      if (created) await this.registry.deleteRegisteredModel(name).catch(() => {});
      throw error;
    }
    return promptVersionFrom(mv, (await this.registry.getRegisteredModel(name)).tags);
  }

  /**
   * Loads a prompt version (MLflow's `load_prompt`): `prompts:/name/version`, `prompts:/name@alias`,
   * `prompts:/name` (the latest version), or a bare name with `version` (a number or an alias; default latest).
   * A version loaded while a run is active is linked to it, and one loaded inside a trace to the trace.
   */
  async loadPrompt(nameOrUri: string, options: LoadPromptOptions = {}): Promise<PromptVersion | null> {
    let name: string;
    let which: string | undefined;
    // Prompt names hold no ':', so anything with a scheme is read as a URI (and refused unless prompts:/).
    if (nameOrUri.includes(':')) {
      if (options.version !== undefined)
        throw MlflowError.invalidParameterValue(
          `The version is part of the URI '${nameOrUri}'; do not pass version as well.`,
        );
      const parsed = parsePromptUri(nameOrUri);
      name = parsed.name;
      which = parsed.version ?? parsed.alias;
    } else {
      name = nameOrUri;
      which = options.version === undefined ? undefined : String(options.version);
    }
    let prompt: PromptVersion;
    try {
      prompt = await this.getPromptVersion(name, which);
    } catch (error) {
      if (options.allowMissing && isMlflowError(error) && error.errorCode === 'RESOURCE_DOES_NOT_EXIST')
        return null;
      throw error;
    }
    if (options.link !== false) await this.#linkLoaded(prompt);
    return prompt;
  }

  /**
   * One version of a prompt by number or alias (`latest`, or none, for the newest). A registered model
   * that is not a prompt is refused, as MLflow's `get_prompt_version`.
   */
  async getPromptVersion(name: string, versionOrAlias?: string | number): Promise<PromptVersion> {
    const model = await this.#requirePrompt(name);
    const which = versionOrAlias === undefined ? 'latest' : String(versionOrAlias);
    let mv: ModelVersion;
    if (/^\d+$/.test(which)) mv = await this.registry.getModelVersion(name, which);
    else if (which === 'latest' && !model.aliases.some((a) => a.alias === 'latest'))
      mv = await this.#latestVersion(name);
    else mv = await this.registry.getModelVersionByAlias(name, which);
    if (!hasPromptTag(mv.tags))
      throw MlflowError.resourceDoesNotExist(`Prompt '${name}' version ${mv.version} does not exist.`);
    return promptVersionFrom(mv, model.tags);
  }

  /** Points an alias at a version (MLflow's `set_prompt_alias`); the version must exist. */
  async setPromptAlias(name: string, alias: string, version: string | number): Promise<void> {
    if (!/^\d+$/.test(String(version)))
      throw MlflowError.invalidParameterValue(`Invalid version number: ${version}`);
    try {
      await this.getPromptVersion(name, String(version));
    } catch (error) {
      throw MlflowError.resourceDoesNotExist(`Prompt '${name}' version ${version} does not exist.`, {
        cause: error,
      });
    }
    await this.registry.setRegisteredModelAlias(name, alias, String(version));
  }

  /** Removes an alias of a prompt (MLflow's `delete_prompt_alias`). */
  async deletePromptAlias(name: string, alias: string): Promise<void> {
    await this.#requirePrompt(name);
    await this.registry.deleteRegisteredModelAlias(name, alias);
  }

  /**
   * Registered prompts, a page at a time (MLflow's `search_prompts`): registered models tagged as prompts,
   * narrowed by `filter` in the registered-model grammar (`name LIKE 'greet%'`, `tags.team = 'a'`).
   */
  async searchPrompts(
    options: { filter?: string; maxResults?: number; pageToken?: string; orderBy?: string[] } = {},
  ): Promise<Page<Prompt>> {
    const page = await this.registry.searchRegisteredModels({
      filter: options.filter ? `${PROMPT_FILTER} AND ${options.filter}` : PROMPT_FILTER,
      maxResults: options.maxResults ?? 100,
      pageToken: options.pageToken,
      orderBy: options.orderBy,
    });
    const items = page.items.map(
      (m): Prompt => ({
        name: m.name,
        description: m.description,
        creationTimestamp: m.creationTimestamp,
        lastUpdatedTimestamp: m.lastUpdatedTimestamp,
        tags: Object.fromEntries(
          Object.entries(tagRecord(m.tags)).filter(([k]) => k !== PromptTags.isPrompt),
        ),
        aliases: m.aliases,
      }),
    );
    return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
  }

  /** Deletes one version of a prompt (its aliases go with it). */
  async deletePromptVersion(name: string, version: string | number): Promise<void> {
    if (!/^\d+$/.test(String(version)))
      throw MlflowError.invalidParameterValue(`Invalid version number: ${version}`);
    await this.getPromptVersion(name, String(version));
    await this.registry.deleteModelVersion(name, String(version));
  }

  /**
   * Deletes a prompt with all its versions (MLflow's OSS `delete_prompt` deletes the registered model).
   * Unlike MLflow, a registered model that is not a prompt is refused rather than deleted.
   */
  async deletePrompt(name: string): Promise<void> {
    await this.#requirePrompt(name);
    await this.registry.deleteRegisteredModel(name);
  }

  /**
   * Links prompt versions to a run: appends `{name, version}` to its `mlflow.linkedPrompts` tag, as MLflow's
   * `link_prompt_version_to_run`. Each prompt is a loaded version, a `prompts:/` URI, or `{name, version}`.
   */
  async linkPromptsToRun(runId: string, prompts: Array<PromptVersion | PromptRef | string>): Promise<void> {
    const store = this.#tracking('link prompts to a run');
    await linkToRun(store, runId, await this.#resolve(prompts));
  }

  /**
   * Links prompt versions to a trace: through the server's `POST /api/2.0/mlflow/traces/link-prompts` for a
   * tracking server, else by merging the trace's `mlflow.linkedPrompts` tag in the database.
   */
  async linkPromptVersionsToTrace(
    traceId: string,
    prompts: Array<PromptVersion | PromptRef | string>,
  ): Promise<void> {
    const store = this.#tracking('link prompts to a trace');
    await linkToTrace(store, traceId, await this.#resolve(prompts));
  }

  async #resolve(prompts: Array<PromptVersion | PromptRef | string>): Promise<PromptRef[]> {
    if (!Array.isArray(prompts) || prompts.length === 0)
      throw MlflowError.invalidParameterValue('Pass at least one prompt version to link.');
    // As MLflow, each prompt is read back from the registry, so only existing versions are linked.
    const refs: PromptRef[] = [];
    for (const p of prompts) {
      const loaded =
        typeof p === 'string'
          ? await this.loadPrompt(p, { link: false })
          : await this.getPromptVersion(p.name, String(p.version));
      refs.push({ name: loaded!.name, version: String(loaded!.version) });
    }
    return refs;
  }

  async #linkLoaded(prompt: PromptVersion): Promise<void> {
    const runId = this.#options.activeRunId?.();
    if (runId && this.#options.trackingStore) await this.linkPromptsToRun(runId, [prompt]);
    linkToActiveTrace(prompt);
  }

  #tracking(what: string): TrackingStore {
    const store = this.#options.trackingStore;
    if (!store)
      throw MlflowError.invalidParameterValue(
        `A tracking store is needed to ${what}: create the PromptRegistry with { trackingStore }.`,
      );
    return store;
  }

  async #modelOrNull(name: string): Promise<RegisteredModel | null> {
    try {
      return await this.registry.getRegisteredModel(name);
    } catch (error) {
      if (isMlflowError(error) && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw error;
    }
  }

  async #requirePrompt(name: string): Promise<RegisteredModel> {
    const model = await this.#modelOrNull(name);
    if (!model) throw MlflowError.resourceDoesNotExist(`Prompt '${name}' does not exist.`);
    if (!hasPromptTag(model.tags))
      throw MlflowError.invalidParameterValue(
        `Name \`${name}\` is registered as a model, not a prompt. Use getModelVersion() or loadModel() instead.`,
      );
    return model;
  }

  async #latestVersion(name: string): Promise<ModelVersion> {
    const page = await this.registry.searchModelVersions({
      filter: `name = '${name.replaceAll("'", "''")}'`,
      orderBy: ['version_number DESC'],
      maxResults: 1,
    });
    const latest = page.items[0];
    if (!latest) throw MlflowError.resourceDoesNotExist(`Prompt '${name}' has no versions.`);
    // Searches may leave aliases out; the version itself has them.
    return this.registry.getModelVersion(name, latest.version);
  }
}
