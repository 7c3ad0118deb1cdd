/**
 * MLflow 3's prompts as the registry stores them: a registered model and versions tagged
 * `mlflow.prompt.is_prompt = true`, the template in the version tag `mlflow.prompt.text` (a chat template as
 * the JSON of its message list), its type in `_mlflow_prompt_type` (missing means text, as older MLflow
 * wrote), the commit message as the version's description.
 */

/** The tag MLflow puts on a prompt's registered model and on each of its versions. */
export const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';
/** The version tag holding the template. */
export const PROMPT_TEXT_TAG = 'mlflow.prompt.text';
/** The version tag naming the template's type (`text`, `chat`, `jinja2`). */
export const PROMPT_TYPE_TAG = '_mlflow_prompt_type';
/** Tags MLflow keeps for itself: not shown among a prompt's tags (as `PromptVersion.tags` leaves them out). */
export const RESERVED_PROMPT_TAGS: readonly string[] = [
  IS_PROMPT_TAG,
  PROMPT_TEXT_TAG,
  PROMPT_TYPE_TAG,
  '_mlflow_prompt_response_format',
  '_mlflow_prompt_model_config',
];

/** One message of a chat template. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** What the prompt page shows of one version. */
export interface PromptVersionView {
  version: string;
  type: string;
  /** The template as stored (the JSON text for a chat template). */
  text: string;
  /** A chat template's messages (none for a text template, or a chat one that does not parse). */
  messages?: ChatMessage[];
  variables: string[];
  commitMessage: string;
  aliases: string[];
  tags: { key: string; value: string }[];
  created?: number;
}

/** A tag as the registry answers (MLflow's proto JSON may leave out an empty value). */
export interface TagLike {
  key: string;
  value?: string;
}

/** A version as the registry answers (MLflow's `ModelVersion` JSON, read loosely). */
export interface VersionLike {
  version: string;
  description?: string;
  aliases?: string[];
  tags?: TagLike[];
  creation_timestamp?: number;
}

const VARIABLE = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}/g;

/** Whether a registered model or version has MLflow's prompt tag set to `true`. */
export function isPrompt(tags: readonly TagLike[] | undefined): boolean {
  return (tags ?? []).some((t) => t.key === IS_PROMPT_TAG && t.value?.toLowerCase() === 'true');
}

/** The `{{ variable }}` names of a template, in order of first use (MLflow's variable pattern). */
export function templateVariables(texts: readonly string[]): string[] {
  const seen: string[] = [];
  for (const text of texts)
    for (const m of text.matchAll(VARIABLE)) if (!seen.includes(m[1]!)) seen.push(m[1]!);
  return seen;
}

/** A chat template's messages, or undefined when the text is not a JSON list of `{role, content}`. */
export function parseChat(text: string): ChatMessage[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const messages: ChatMessage[] = [];
  for (const m of value) {
    if (typeof m !== 'object' || m === null) return undefined;
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string') return undefined;
    messages.push({ role, content: typeof content === 'string' ? content : JSON.stringify(content) });
  }
  return messages;
}

/** One version of a prompt read from its tags and description. */
export function readPromptVersion(v: VersionLike): PromptVersionView {
  const tags = v.tags ?? [];
  const tag = (key: string) => tags.find((t) => t.key === key)?.value;
  const text = tag(PROMPT_TEXT_TAG) ?? '';
  const type = tag(PROMPT_TYPE_TAG) ?? 'text';
  const messages = type === 'chat' ? parseChat(text) : undefined;
  return {
    version: v.version,
    type,
    text,
    messages,
    variables: templateVariables(messages ? messages.map((m) => m.content) : [text]),
    commitMessage: v.description ?? '',
    aliases: v.aliases ?? [],
    tags: tags
      .filter((t) => !RESERVED_PROMPT_TAGS.includes(t.key))
      .map((t) => ({ key: t.key, value: t.value ?? '' })),
    created: v.creation_timestamp,
  };
}

/**
 * A template as lines to diff: a text template's lines; a chat template's messages as `role: content`
 * (a message's further lines indented under it, so a role stays with its text).
 */
export function templateLines(view: Pick<PromptVersionView, 'text' | 'messages'>): string[] {
  if (!view.messages) return view.text.split(/\r?\n/);
  return view.messages.flatMap((m) => {
    const [first = '', ...rest] = m.content.split(/\r?\n/);
    return [`${m.role}: ${first}`, ...rest.map((line) => `  ${line}`)];
  });
}
