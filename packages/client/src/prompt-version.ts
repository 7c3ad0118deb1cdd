import { MlflowError, type ModelVersion, type RegistryTag } from '@flowline/core';
import {
  type ChatMessage,
  formatTemplate,
  type PromptValues,
  pythonJson,
  templateVariables,
  toSingleBraces,
} from './prompt-template.js';

/** The tags MLflow 3 stores prompts with (mlflow/prompt/constants.py). */
export const PromptTags = {
  /** `"true"` on the registered model and on every version of a prompt. */
  isPrompt: 'mlflow.prompt.is_prompt',
  /** A version's template: the text, or a chat template's message list as JSON. */
  text: 'mlflow.prompt.text',
  /** `text` or `chat` (underscored, as Unity Catalog tags cannot hold dots); missing means text. */
  type: '_mlflow_prompt_type',
  /** The expected response's JSON schema, as JSON. */
  responseFormat: '_mlflow_prompt_response_format',
  /** Model settings (provider, model_name, temperature, …), as JSON. */
  modelConfig: '_mlflow_prompt_model_config',
  /** On runs and traces: the JSON list of `{name, version}` prompt versions they used. */
  linkedPrompts: 'mlflow.linkedPrompts',
} as const;

const RESERVED = new Set<string>([
  PromptTags.isPrompt,
  PromptTags.text,
  PromptTags.type,
  PromptTags.responseFormat,
  PromptTags.modelConfig,
]);

interface PromptVersionBase {
  name: string;
  /** The version number (an integer, as MLflow's `PromptVersion.version`). */
  version: number;
  /** The commit message (the model version's description); empty when none was given. */
  commitMessage: string;
  /** The version's own tags, without the reserved prompt tags. */
  tags: Record<string, string>;
  /** The prompt's tags (on its registered model), without `mlflow.prompt.is_prompt`. */
  promptTags: Record<string, string>;
  aliases: string[];
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  userId: string;
  /** The JSON schema stored with the version, if any. */
  responseFormat?: unknown;
  /** The model settings stored with the version, if any. */
  modelConfig?: Record<string, unknown>;
  /** The placeholder names of the template, in order of first use. */
  variables: string[];
  /** `prompts:/<name>/<version>`. */
  uri: string;
}

/** A text prompt version: `format` gives a string. */
export interface TextPromptVersion extends PromptVersionBase {
  type: 'text';
  template: string;
  /** Fills the placeholders; a missing value is an error naming it, unless `allowPartial`. */
  format(values?: PromptValues, options?: { allowPartial?: boolean }): string;
  /** The template with `{x}` placeholders instead of `{{x}}`. */
  toSingleBraceFormat(): string;
}

/** A chat prompt version: `format` gives the messages with their contents filled. */
export interface ChatPromptVersion extends PromptVersionBase {
  type: 'chat';
  template: ChatMessage[];
  /** Fills the placeholders of every message; a missing value is an error naming it, unless `allowPartial`. */
  format(values?: PromptValues, options?: { allowPartial?: boolean }): ChatMessage[];
  /** The messages with `{x}` placeholders instead of `{{x}}`. */
  toSingleBraceFormat(): ChatMessage[];
}

/** A version of a registered prompt (MLflow's `PromptVersion`). */
export type PromptVersion = TextPromptVersion | ChatPromptVersion;

/** The tags as a record. */
export function tagRecord(tags: RegistryTag[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.key, t.value]));
}

/** Whether tags mark a prompt (`mlflow.prompt.is_prompt` = `true`, any case, as MLflow's `has_prompt_tag`). */
export function hasPromptTag(tags: RegistryTag[]): boolean {
  return tags.some((t) => t.key === PromptTags.isPrompt && t.value.toLowerCase() === 'true');
}

function parseJsonTag(value: string | undefined, key: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw MlflowError.invalidParameterValue(`The prompt tag '${key}' does not hold valid JSON: ${value}`, {
      cause: error,
    });
  }
}

/** A prompt version read from its model version (and its registered model's tags). */
export function promptVersionFrom(mv: ModelVersion, modelTags: RegistryTag[] = []): PromptVersion {
  const all = tagRecord(mv.tags);
  const tags = Object.fromEntries(Object.entries(all).filter(([k]) => !RESERVED.has(k)));
  const promptTags = Object.fromEntries(
    Object.entries(tagRecord(modelTags)).filter(([k]) => k !== PromptTags.isPrompt),
  );
  const text = all[PromptTags.text] ?? '';
  const base = {
    name: mv.name,
    version: Number(mv.version),
    commitMessage: mv.description ?? '',
    tags,
    promptTags,
    aliases: mv.aliases,
    creationTimestamp: mv.creationTimestamp,
    lastUpdatedTimestamp: mv.lastUpdatedTimestamp,
    userId: mv.userId,
    uri: `prompts:/${mv.name}/${mv.version}`,
    ...(all[PromptTags.responseFormat] !== undefined
      ? { responseFormat: parseJsonTag(all[PromptTags.responseFormat], PromptTags.responseFormat) }
      : {}),
    ...(all[PromptTags.modelConfig] !== undefined
      ? {
          modelConfig: parseJsonTag(all[PromptTags.modelConfig], PromptTags.modelConfig) as Record<
            string,
            unknown
          >,
        }
      : {}),
  };
  if (all[PromptTags.type] === 'chat') {
    const template = parseJsonTag(text, PromptTags.text) as ChatMessage[];
    return {
      ...base,
      type: 'chat',
      template,
      variables: templateVariables(template),
      format: (values = {}, options) => formatTemplate(template, values, options),
      toSingleBraceFormat: () => toSingleBraces(template),
    };
  }
  return {
    ...base,
    type: 'text',
    template: text,
    variables: templateVariables(text),
    format: (values = {}, options) => formatTemplate(text, values, options),
    toSingleBraceFormat: () => toSingleBraces(text),
  };
}

/** A prompt version named in a link: its name and version number. */
export interface PromptRef {
  name: string;
  version: string | number;
}

/**
 * The `mlflow.linkedPrompts` value after adding `refs`, as MLflow's `update_linked_prompts_tag`: existing
 * entries stay in order, new `{name, version}` entries (version as a string) are appended once each, and
 * an unchanged list keeps the current text. A current value that is not a JSON list is refused.
 */
export function mergeLinkedPrompts(current: string | undefined, refs: PromptRef[]): string | undefined {
  let list: unknown[] = [];
  if (current !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(current);
    } catch (error) {
      throw MlflowError.invalidParameterValue(
        `Invalid JSON format for '${PromptTags.linkedPrompts}' tag: ${current}`,
        { cause: error },
      );
    }
    if (!Array.isArray(parsed))
      throw MlflowError.invalidParameterValue(
        `Invalid format for '${PromptTags.linkedPrompts}' tag: ${current}`,
      );
    list = parsed;
  }
  const has = (name: string, version: string) =>
    list.some((p) => {
      const entry = p as { name?: unknown; version?: unknown };
      return entry?.name === name && entry?.version === version && Object.keys(entry).length === 2;
    });
  let added = false;
  for (const ref of refs) {
    const version = String(ref.version);
    if (has(ref.name, version)) continue;
    list.push({ name: ref.name, version });
    added = true;
  }
  return added ? pythonJson(list) : current;
}
