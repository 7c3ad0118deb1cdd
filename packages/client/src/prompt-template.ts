import { dumpMlflowJson, MlflowError } from '@flowline/core';

/** One message of a chat prompt template (MLflow's chat template entries: `role` and `content`). */
export interface ChatMessage {
  role: string;
  content: string;
}

/** A prompt template: text with `{{variable}}` placeholders, or a list of chat messages. */
export type PromptTemplate = string | ChatMessage[];

/** Values for a template's variables; non-strings are written with `String()` (objects as JSON). */
export type PromptValues = Record<string, string | number | boolean | null | undefined | object>;

// MLflow's placeholder pattern: Jinja-style identifiers, dotted paths allowed, spaces inside the braces.
const VARIABLE = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}/g;

/** The distinct placeholder names of a template, in order of first use (MLflow's `variables`). */
export function templateVariables(template: PromptTemplate): string[] {
  const texts = typeof template === 'string' ? [template] : template.map((m) => m.content);
  const names = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(VARIABLE)) names.add(match[1]!);
  return [...names];
}

/** Checks a template's shape: a string, or a non-empty list of `{role, content}` string messages. */
export function checkTemplate(template: unknown): PromptTemplate {
  if (typeof template === 'string') return template;
  const ok =
    Array.isArray(template) &&
    template.length > 0 &&
    template.every(
      (m) =>
        typeof m === 'object' &&
        m !== null &&
        typeof (m as ChatMessage).role === 'string' &&
        typeof (m as ChatMessage).content === 'string',
    );
  if (!ok)
    throw MlflowError.invalidParameterValue(
      'A prompt template must be a string, or a non-empty list of chat messages, each with a string role and content.',
    );
  return template as ChatMessage[];
}

function valueText(value: PromptValues[string]): string {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fill(text: string, values: PromptValues): string {
  return text.replace(VARIABLE, (whole, name: string) =>
    Object.hasOwn(values, name) ? valueText(values[name]) : whole,
  );
}

/**
 * Fills a template's placeholders. As MLflow's `PromptVersion.format`, any placeholder without a value is
 * refused with the missing names, unless `allowPartial` leaves them in place.
 */
export function formatTemplate<T extends PromptTemplate>(
  template: T,
  values: PromptValues,
  options: { allowPartial?: boolean } = {},
): T {
  const missing = templateVariables(template).filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0 && !options.allowPartial)
    throw MlflowError.invalidParameterValue(
      `Missing variables: {${missing.map((n) => `'${n}'`).join(', ')}}. To partially format the prompt, ` +
        'pass { allowPartial: true }.',
    );
  if (typeof template === 'string') return fill(template, values) as T;
  return (template as ChatMessage[]).map((m) => ({ ...m, content: fill(m.content, values) })) as T;
}

/** The template with `{{x}}` rewritten as `{x}` (MLflow's `to_single_brace_format`, for LangChain-style tools). */
export function toSingleBraces<T extends PromptTemplate>(template: T): T {
  const rewrite = (text: string) => text.replace(VARIABLE, (_whole, name: string) => `{${name}}`);
  if (typeof template === 'string') return rewrite(template) as T;
  return (template as ChatMessage[]).map((m) => ({ ...m, content: rewrite(m.content) })) as T;
}

/**
 * `value` as Python's `json.dumps` writes it by default (`", "` and `": "` separators, non-ASCII escaped),
 * as MLflow's client writes chat templates, response formats and link tags.
 */
export const pythonJson = (value: unknown): string => dumpMlflowJson(value, { ascii: true });
