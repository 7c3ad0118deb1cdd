import type { Page } from '@flowline/core';
import { defaultTracker } from './fluent.js';
import type { PromptRef, PromptVersion } from './prompt-version.js';
import { type LoadPromptOptions, type Prompt, PromptRegistry, type RegisterPromptInput } from './prompts.js';
import type { Tracker } from './tracker.js';

/**
 * The prompt registry of a tracker: its registry and tracking store (a server or a database, as its
 * tracking URI says), linking loaded prompts to its active run.
 */
export async function promptRegistry(tracker: Tracker = defaultTracker()): Promise<PromptRegistry> {
  const trackingStore = await tracker.store();
  const registry = await tracker.registry();
  return new PromptRegistry(registry, {
    trackingStore,
    activeRunId: () => tracker.activeRun()?.info.runId,
  });
}

/** Registers a new version of a prompt, creating the prompt if needed (MLflow's `mlflow.genai.register_prompt`). */
export const registerPrompt = async (input: RegisterPromptInput): Promise<PromptVersion> =>
  (await promptRegistry()).registerPrompt(input);

/** Loads a prompt version by URI or name, linking it to the active run and trace (`mlflow.genai.load_prompt`). */
export const loadPrompt = async (
  nameOrUri: string,
  options?: LoadPromptOptions,
): Promise<PromptVersion | null> => (await promptRegistry()).loadPrompt(nameOrUri, options);

/** Points a prompt alias at a version (`mlflow.genai.set_prompt_alias`). */
export const setPromptAlias = async (name: string, alias: string, version: string | number): Promise<void> =>
  (await promptRegistry()).setPromptAlias(name, alias, version);

/** Removes a prompt alias (`mlflow.genai.delete_prompt_alias`). */
export const deletePromptAlias = async (name: string, alias: string): Promise<void> =>
  (await promptRegistry()).deletePromptAlias(name, alias);

/** Lists registered prompts, optionally filtered (`mlflow.genai.search_prompts`). */
export const searchPrompts = async (
  options?: Parameters<PromptRegistry['searchPrompts']>[0],
): Promise<Page<Prompt>> => (await promptRegistry()).searchPrompts(options);

/** Deletes one prompt version. */
export const deletePromptVersion = async (name: string, version: string | number): Promise<void> =>
  (await promptRegistry()).deletePromptVersion(name, version);

/** Deletes a prompt with all its versions. */
export const deletePrompt = async (name: string): Promise<void> =>
  (await promptRegistry()).deletePrompt(name);

/** Links prompt versions to a run (its `mlflow.linkedPrompts` tag). */
export const linkPromptsToRun = async (
  runId: string,
  prompts: Array<PromptVersion | PromptRef | string>,
): Promise<void> => (await promptRegistry()).linkPromptsToRun(runId, prompts);

/** Links prompt versions to a trace (the server's link-prompts endpoint, or the trace tag in a database). */
export const linkPromptVersionsToTrace = async (
  traceId: string,
  prompts: Array<PromptVersion | PromptRef | string>,
): Promise<void> => (await promptRegistry()).linkPromptVersionsToTrace(traceId, prompts);
