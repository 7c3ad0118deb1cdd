import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultTracker,
  deletePrompt,
  flushTracing,
  getStore,
  loadPrompt,
  registerPrompt,
  searchPrompts,
  setExperiment,
  setPromptAlias,
  setTrackingUri,
  withRun,
  withSpan,
} from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-prompts-fluent-'));
  setTrackingUri(`sqlite:///${join(dir, 'mlflow.db')}`);
  await setExperiment('prompts');
});
afterAll(async () => {
  await defaultTracker().close();
  await rm(dir, { recursive: true, force: true });
});

describe('the fluent prompt functions', () => {
  it('register and load through the tracking URI, linking to the active run and to the trace recorded', async () => {
    await registerPrompt({ name: 'ask', template: 'Q: {{question}}', commitMessage: 'one' });
    await setPromptAlias('ask', 'prod', 1);
    expect((await searchPrompts()).items.map((p) => p.name)).toEqual(['ask']);

    let traceId = '';
    const runId = await withRun(async (run) => {
      await withSpan('answer', async (span) => {
        traceId = span.traceId;
        const prompt = await loadPrompt('prompts:/ask@prod');
        expect(prompt?.type === 'text' && prompt.format({ question: 'why?' })).toBe('Q: why?');
      });
      return run.info.runId;
    });
    await flushTracing();
    const store = (await getStore()) as Awaited<ReturnType<typeof getStore>> & {
      getTraceInfo(id: string): Promise<{ tags: Record<string, string> }>;
    };
    const linked = '[{"name": "ask", "version": "1"}]';
    expect((await store.getRun(runId)).data.tags.find((t) => t.key === 'mlflow.linkedPrompts')?.value).toBe(
      linked,
    );
    expect((await store.getTraceInfo(traceId)).tags['mlflow.linkedPrompts']).toBe(linked);
    await deletePrompt('ask');
    expect(await loadPrompt('ask', { allowMissing: true })).toBeNull();
  });
});
