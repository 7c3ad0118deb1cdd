/**
 * MLflow 3's prompt registry over the registry endpoints, as MLflow's OSS client reads it: prompts are
 * registered models tagged ``mlflow.prompt.is_prompt = 'true'`` and their versions (see `lib/prompt-version.ts`).
 */
import { isPrompt } from '../lib/prompt-version.js';
import { api } from './client.js';
import type { ModelVersion, RegisteredModel } from './types.js';

/** The filter that keeps prompts among registered models (MLflow's `search_prompts`). */
export const PROMPT_FILTER = "tags.`mlflow.prompt.is_prompt` = 'true'";

const quote = (text: string) => text.replaceAll("'", "''");

/** Prompts, by a name substring (case-insensitive), sorted by name. */
export async function searchPrompts(nameLike = '', signal?: AbortSignal): Promise<RegisteredModel[]> {
  const out: RegisteredModel[] = [];
  let token: string | undefined;
  do {
    const page = await api(
      'GET /registered-models/search',
      {
        max_results: 1000,
        filter: nameLike ? `${PROMPT_FILTER} AND name ILIKE '%${quote(nameLike)}%'` : PROMPT_FILTER,
        order_by: ['name ASC'],
        page_token: token,
      },
      signal,
    );
    out.push(...(page.registered_models ?? []));
    token = page.next_page_token || undefined;
  } while (token);
  return out;
}

/** One prompt (its registered model); a registered model that is not a prompt is refused, as MLflow does. */
export async function getPrompt(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
  const model = (await api('GET /registered-models/get', { name }, signal)).registered_model;
  if (!isPrompt(model.tags))
    throw new Error(`Name \`${name}\` is registered as a model, not a prompt. Open it under Models instead.`);
  return model;
}

/** A prompt's versions, newest first. */
export async function promptVersions(name: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const res = await api(
    'GET /model-versions/search',
    { filter: `name='${quote(name)}'`, max_results: 1000 },
    signal,
  );
  return (res.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version));
}

/** Registered models without the prompts (MLflow 3 lists prompts apart from models). */
export function withoutPrompts(models: RegisteredModel[]): RegisteredModel[] {
  return models.filter((m) => !isPrompt(m.tags));
}
