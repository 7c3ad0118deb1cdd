import { isMlflowError } from '@flowline/core';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatTemplate,
  type PromptRegistry,
  parsePromptUri,
  promptRegistry,
  Tracker,
  templateVariables,
  withSpan,
} from '../src/index.js';
import { pythonJson } from '../src/prompt-template.js';
import { mergeLinkedPrompts } from '../src/prompt-version.js';

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isMlflowError(error)) return { code: error.errorCode, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('prompt templates', () => {
  it('finds variables as MLflow does (spaces, dotted names) and formats text and chat', () => {
    expect(templateVariables('Hi {{ name }}, {{user.title}} {{name}} {{ 1bad }} {x}')).toEqual([
      'name',
      'user.title',
    ]);
    expect(formatTemplate('Hi {{ name }}!', { name: 'Ada' })).toBe('Hi Ada!');
    expect(
      formatTemplate([{ role: 'user', content: 'Say "{{word}}" {{n}} times' }], { word: 'a"b', n: 2 }),
    ).toEqual([{ role: 'user', content: 'Say "a"b" 2 times' }]);
    expect(() => formatTemplate('{{a}} {{b}} {{c}}', { b: 1 })).toThrow(
      "Missing variables: {'a', 'c'}. To partially format the prompt, pass { allowPartial: true }.",
    );
    expect(formatTemplate('{{a}} {{b}}', { b: 1 }, { allowPartial: true })).toBe('{{a}} 1');
  });

  it("writes JSON as Python's json.dumps does (separators, ensure_ascii)", () => {
    expect(pythonJson([{ role: 'user', content: 'héllo 😀\n"x"\u007f' }])).toBe(
      '[{"role": "user", "content": "h\\u00e9llo \\ud83d\\ude00\\n\\"x\\"\\u007f"}]',
    );
    expect(pythonJson({})).toBe('{}');
    expect(mergeLinkedPrompts(undefined, [{ name: 'p', version: 1 }])).toBe(
      '[{"name": "p", "version": "1"}]',
    );
    const once = '[{"name": "p", "version": "1"}]';
    expect(mergeLinkedPrompts(once, [{ name: 'p', version: '1' }])).toBe(once);
    expect(() => mergeLinkedPrompts('{"a": 1}', [{ name: 'p', version: 1 }])).toThrow(
      "Invalid format for 'mlflow.linkedPrompts' tag",
    );
    expect(() => mergeLinkedPrompts('nope', [{ name: 'p', version: 1 }])).toThrow('Invalid JSON format');
  });

  it('parses prompts:/ URIs', () => {
    expect(parsePromptUri('prompts:/greet/3')).toEqual({ name: 'greet', version: '3' });
    expect(parsePromptUri('prompts:/greet@prod')).toEqual({ name: 'greet', alias: 'prod' });
    expect(parsePromptUri('prompts:/greet')).toEqual({ name: 'greet' });
    expect(() => parsePromptUri('models:/greet/1')).toThrow('Invalid prompt URI');
  });
});

for (const target of storeTargets()) {
  describe(`PromptRegistry over the SQL registry (${target.name})`, () => {
    let db: { uri: string; drop(): Promise<void> };
    let tracker: Tracker;
    let prompts: PromptRegistry;

    beforeAll(async () => {
      db = await target.createDatabase();
      tracker = new Tracker({ trackingUri: db.uri, env: {} });
      prompts = await promptRegistry(tracker);
    });
    afterAll(async () => {
      await tracker.close();
      await db.drop();
    });

    it('registers versions with the tags and description MLflow stores', async () => {
      const v1 = await prompts.registerPrompt({
        name: 'greet',
        template: 'Hello {{ name }}, welcome to {{place}}.',
        commitMessage: 'first',
        tags: { author: 'ada' },
      });
      expect(v1).toMatchObject({
        name: 'greet',
        version: 1,
        type: 'text',
        template: 'Hello {{ name }}, welcome to {{place}}.',
        commitMessage: 'first',
        tags: { author: 'ada' },
        promptTags: { author: 'ada' },
        variables: ['name', 'place'],
        uri: 'prompts:/greet/1',
      });
      expect(v1.format({ name: 'Ada', place: 'Flowline' })).toBe('Hello Ada, welcome to Flowline.');
      expect(() => v1.format({ name: 'Ada' })).toThrow("Missing variables: {'place'}");

      const model = await prompts.registry.getRegisteredModel('greet');
      expect(model.description).toBe('first');
      expect(Object.fromEntries(model.tags.map((t) => [t.key, t.value]))).toEqual({
        'mlflow.prompt.is_prompt': 'true',
        author: 'ada',
      });
      const mv = await prompts.registry.getModelVersion('greet', '1');
      expect(mv.description).toBe('first');
      expect(mv.source).toBe('prompt-template');
      expect(Object.fromEntries(mv.tags.map((t) => [t.key, t.value]))).toEqual({
        'mlflow.prompt.is_prompt': 'true',
        'mlflow.prompt.text': 'Hello {{ name }}, welcome to {{place}}.',
        _mlflow_prompt_type: 'text',
        author: 'ada',
      });

      const chat = [
        { role: 'system', content: 'You are a {{style}} assistant.' },
        { role: 'user', content: '{{question}}' },
      ];
      const v2 = await prompts.registerPrompt({
        name: 'greet',
        template: chat,
        commitMessage: 'chat form',
        responseFormat: { type: 'object', properties: { answer: { type: 'string' } } },
      });
      expect(v2).toMatchObject({
        version: 2,
        type: 'chat',
        template: chat,
        variables: ['style', 'question'],
      });
      expect(v2.format({ style: 'terse', question: 'Why?' })).toEqual([
        { role: 'system', content: 'You are a terse assistant.' },
        { role: 'user', content: 'Why?' },
      ]);
      const mv2 = await prompts.registry.getModelVersion('greet', '2');
      const tags2 = Object.fromEntries(mv2.tags.map((t) => [t.key, t.value]));
      expect(tags2['mlflow.prompt.text']).toBe(
        '[{"role": "system", "content": "You are a {{style}} assistant."}, {"role": "user", "content": "{{question}}"}]',
      );
      expect(tags2._mlflow_prompt_type).toBe('chat');
      expect(tags2._mlflow_prompt_response_format).toBe(
        '{"type": "object", "properties": {"answer": {"type": "string"}}}',
      );
      expect(v2.responseFormat).toEqual({ type: 'object', properties: { answer: { type: 'string' } } });
    });

    it('loads by version, alias, latest and name, and refuses what is not a prompt', async () => {
      await prompts.setPromptAlias('greet', 'production', 1);
      expect((await prompts.loadPrompt('prompts:/greet/1'))?.version).toBe(1);
      const byAlias = await prompts.loadPrompt('prompts:/greet@production');
      expect(byAlias).toMatchObject({ version: 1, aliases: ['production'] });
      expect((await prompts.loadPrompt('prompts:/greet'))?.version).toBe(2);
      expect((await prompts.loadPrompt('prompts:/greet@latest'))?.version).toBe(2);
      expect((await prompts.loadPrompt('greet', { version: 'production' }))?.version).toBe(1);
      expect((await prompts.loadPrompt('greet'))?.version).toBe(2);
      expect(await prompts.loadPrompt('prompts:/missing/1', { allowMissing: true })).toBeNull();
      expect((await rejection(prompts.loadPrompt('prompts:/greet/9'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(await rejection(prompts.setPromptAlias('greet', 'x', 9))).toEqual({
        code: 'RESOURCE_DOES_NOT_EXIST',
        message: "Prompt 'greet' version 9 does not exist.",
      });

      expect((await rejection(prompts.setPromptAlias('greet', 'x', 'two'))).message).toBe(
        'Invalid version number: two',
      );
      await prompts.registry.createRegisteredModel({ name: 'plain-model' });
      expect(await rejection(prompts.loadPrompt('plain-model', { version: 1 }))).toEqual({
        code: 'INVALID_PARAMETER_VALUE',
        message:
          'Name `plain-model` is registered as a model, not a prompt. Use getModelVersion() or loadModel() instead.',
      });
      expect(
        (await rejection(prompts.registerPrompt({ name: 'plain-model', template: 'x' }))).message,
      ).toMatch(/^Model 'plain-model' exists with the same name/);
      expect((await rejection(prompts.deletePrompt('plain-model'))).code).toBe('INVALID_PARAMETER_VALUE');
      expect((await rejection(prompts.registerPrompt({ name: 'bad name', template: 'x' }))).code).toBe(
        'INVALID_PARAMETER_VALUE',
      );
      expect(
        (await rejection(prompts.registerPrompt({ name: 'chat-bad', template: [{ role: 'user' }] as never })))
          .code,
      ).toBe('INVALID_PARAMETER_VALUE');
    });

    it('searches only prompts, with a name filter, page by page', async () => {
      await prompts.registerPrompt({ name: 'summarize', template: 'Summarize {{text}}' });
      const all = await prompts.searchPrompts();
      expect(all.items.map((p) => p.name)).toEqual(['greet', 'summarize']);
      expect(all.items[0]!.tags).toEqual({ author: 'ada' });
      expect((await prompts.searchPrompts({ filter: "name LIKE 'sum%'" })).items.map((p) => p.name)).toEqual([
        'summarize',
      ]);
      const first = await prompts.searchPrompts({ maxResults: 1 });
      expect(first.items.map((p) => p.name)).toEqual(['greet']);
      const second = await prompts.searchPrompts({ maxResults: 1, pageToken: first.nextPageToken });
      expect(second.items.map((p) => p.name)).toEqual(['summarize']);
    });

    it('links prompts to runs as MLflow writes the tag, and on load inside an active run', async () => {
      const store = await tracker.store();
      const run = await tracker.startRun();
      await prompts.loadPrompt('prompts:/greet@production');
      await prompts.loadPrompt('prompts:/greet/1');
      await prompts.linkPromptsToRun(run.info.runId, ['prompts:/summarize/1', { name: 'greet', version: 2 }]);
      await tracker.endRun();
      const tags = (await store.getRun(run.info.runId)).data.tags;
      expect(tags.find((t) => t.key === 'mlflow.linkedPrompts')?.value).toBe(
        '[{"name": "greet", "version": "1"}, {"name": "summarize", "version": "1"}, {"name": "greet", "version": "2"}]',
      );
      // Links made at once take turns on the tag, so none is lost.
      const other = await tracker.startRun();
      await tracker.endRun();
      await Promise.all(
        ['prompts:/greet/2', 'prompts:/summarize/1', 'prompts:/greet/1'].map((uri) =>
          prompts.linkPromptsToRun(other.info.runId, [uri]),
        ),
      );
      const linked = (await store.getRun(other.info.runId)).data.tags.find(
        (t) => t.key === 'mlflow.linkedPrompts',
      )?.value;
      expect(JSON.parse(linked!)).toHaveLength(3);
      expect((await rejection(prompts.linkPromptsToRun('nope', ['prompts:/greet/1']))).message).toBe(
        "Could not find run with ID 'nope' to which to link prompt 'greet'.",
      );
      expect((await rejection(prompts.linkPromptsToRun(run.info.runId, ['prompts:/greet/7']))).code).toBe(
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('links prompts to a stored trace through its tag, and tags a trace recording when loaded inside it', async () => {
      const store = (await tracker.store()) as unknown as {
        startTrace(info: object): Promise<unknown>;
        getTraceInfo(id: string): Promise<{ tags: Record<string, string> }>;
      };
      const experimentId = (await tracker.startRun()).info.experimentId;
      await tracker.endRun();
      const traceId = 'tr-0123456789abcdef0123456789abcdef';
      await store.startTrace({ traceId, experimentId, requestTime: Date.now(), state: 'OK' });
      await prompts.linkPromptVersionsToTrace(traceId, ['prompts:/greet/1', 'prompts:/greet/1']);
      await prompts.linkPromptVersionsToTrace(traceId, [{ name: 'summarize', version: 1 }]);
      expect((await store.getTraceInfo(traceId)).tags['mlflow.linkedPrompts']).toBe(
        '[{"name": "greet", "version": "1"}, {"name": "summarize", "version": "1"}]',
      );

      let attributes: Record<string, unknown> = {};
      await withSpan('agent', async (span) => {
        await prompts.loadPrompt('prompts:/greet/2');
        await prompts.loadPrompt('prompts:/summarize/1');
        attributes = (span.otelSpan as unknown as { attributes: Record<string, unknown> }).attributes;
      });
      // Span attributes hold JSON; the tag goes out with the root span.
      expect(JSON.parse(attributes['mlflow.traceTag.mlflow.linkedPrompts'] as string)).toBe(
        '[{"name": "greet", "version": "2"}, {"name": "summarize", "version": "1"}]',
      );
    });

    it("reads prompts MLflow's clients wrote: older ones without a type tag, chat ones as JSON", async () => {
      const registry = prompts.registry;
      await registry.createRegisteredModel({
        name: 'from-mlflow',
        description: 'made by mlflow 3.0',
        tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
      });
      await registry.createModelVersion({
        name: 'from-mlflow',
        source: 'dummy-source',
        description: 'old client',
        tags: [
          { key: 'mlflow.prompt.is_prompt', value: 'true' },
          { key: 'mlflow.prompt.text', value: 'Translate {{ text }} to {{lang}}' },
          { key: 'owner', value: 'bo' },
        ],
      });
      await registry.createModelVersion({
        name: 'from-mlflow',
        source: 'prompt-template',
        tags: [
          { key: 'mlflow.prompt.is_prompt', value: 'true' },
          { key: '_mlflow_prompt_type', value: 'chat' },
          { key: 'mlflow.prompt.text', value: '[{"role": "user", "content": "Hi \\u00e9 {{name}}"}]' },
        ],
      });
      const old = await prompts.loadPrompt('prompts:/from-mlflow/1');
      expect(old).toMatchObject({ type: 'text', commitMessage: 'old client', tags: { owner: 'bo' } });
      expect(old?.format({ text: 'hello', lang: 'fr' })).toBe('Translate hello to fr');
      const chat = await prompts.loadPrompt('from-mlflow');
      expect(chat?.type).toBe('chat');
      expect(chat?.format({ name: 'Zoë' })).toEqual([{ role: 'user', content: 'Hi é Zoë' }]);
      expect(chat?.toSingleBraceFormat()).toEqual([{ role: 'user', content: 'Hi é {name}' }]);
      await prompts.deletePrompt('from-mlflow');
    });

    it('deletes aliases, versions and whole prompts', async () => {
      await prompts.deletePromptAlias('greet', 'production');
      expect((await rejection(prompts.loadPrompt('prompts:/greet@production'))).code).toBe(
        'RESOURCE_DOES_NOT_EXIST',
      );
      await prompts.deletePromptVersion('greet', 2);
      expect((await prompts.loadPrompt('prompts:/greet'))?.version).toBe(1);
      expect((await rejection(prompts.deletePromptVersion('greet', 'x'))).code).toBe(
        'INVALID_PARAMETER_VALUE',
      );
      await prompts.deletePrompt('greet');
      expect(await prompts.loadPrompt('greet', { allowMissing: true })).toBeNull();
      expect((await prompts.searchPrompts()).items.map((p) => p.name)).toEqual(['summarize']);
    });
  });
}
