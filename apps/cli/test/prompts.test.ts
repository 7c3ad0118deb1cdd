import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, PromptRegistry, TrackingClient } from '@flowline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, runCli, startCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-prompts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tagsOf = (list: Array<{ key: string; value: string }> = []) =>
  Object.fromEntries(list.map((t) => [t.key, t.value]));

// Each step starts the CLI afresh (about a second each on a busy machine).
describe('flowline prompts (against a store URI)', { timeout: 120_000 }, () => {
  const flowline = (args: string[]) =>
    runCli(args, { cwd: dir, env: { MLFLOW_TRACKING_URI: `sqlite:///${join(dir, 'store.db')}` } });

  it('registers, loads, formats and aliases prompts', async () => {
    const v1 = await flowline(['prompts', 'register', '-n', 'greet', '-t', 'Hi {{name}}', '-m', 'first']);
    expect(v1.stdout).toBe("Registered prompt 'greet' version 1 (prompts:/greet/1).\n");
    await writeFile(
      join(dir, 'chat.json'),
      JSON.stringify([
        { role: 'system', content: 'Be {{style}}.' },
        { role: 'user', content: '{{question}}' },
      ]),
    );
    const v2 = JSON.parse(
      (
        await flowline([
          'prompts',
          'register',
          '-n',
          'greet',
          '--template-file',
          join(dir, 'chat.json'),
          '--tag',
          'author=ada',
          '--json',
        ])
      ).stdout,
    );
    expect(v2.prompt_version).toMatchObject({
      name: 'greet',
      version: 2,
      uri: 'prompts:/greet/2',
      prompt_type: 'chat',
      variables: ['style', 'question'],
      tags: { author: 'ada' },
    });

    expect((await flowline(['prompts', 'set-alias', '-n', 'greet', '-a', 'prod', '-v', '1'])).stdout).toBe(
      'prompts:/greet@prod → version 1\n',
    );
    const loaded = await flowline(['prompts', 'load', 'prompts:/greet@prod']);
    expect(loaded.stdout).toContain('prompts:/greet/1 — first');
    expect(loaded.stdout).toContain('aliases: prod');
    expect(loaded.stdout.trimEnd().endsWith('Hi {{name}}')).toBe(true);
    expect((await flowline(['prompts', 'format', 'prompts:/greet@prod', '-v', 'name=Ada'])).stdout).toBe(
      'Hi Ada\n',
    );
    const chat = JSON.parse(
      (
        await flowline([
          'prompts',
          'format',
          'prompts:/greet',
          '-v',
          'style=brief',
          'question=Why?',
          '--json',
        ])
      ).stdout,
    );
    expect(chat.formatted).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Why?' },
    ]);
    const missing = await flowline(['prompts', 'format', 'greet', '--version', '1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Missing variables: {'name'}");
    expect(missing.stderr).toContain('--allow-partial');
  });

  it('searches, refuses with MLflow exit codes, and deletes', async () => {
    await flowline(['prompts', 'register', '-n', 'summarize', '-t', 'Sum up {{text}}']);
    const found = JSON.parse(
      (await flowline(['prompts', 'search', '--filter', "name LIKE 'sum%'", '--json'])).stdout,
    );
    expect(found.prompts.map((p: { name: string }) => p.name)).toEqual(['summarize']);
    expect((await flowline(['prompts', 'search'])).stdout).toMatch(/greet[\s\S]*prod→v1[\s\S]*summarize/);

    expect((await flowline(['prompts', 'load', 'prompts:/greet/9'])).code).toBe(3);
    expect((await flowline(['prompts', 'load', 'models:/greet/1'])).code).toBe(2);
    expect((await flowline(['prompts', 'register', '-n', 'x'])).code).toBe(2);
    expect(
      (await flowline(['prompts', 'register', '-n', 'x', '--template-file', join(dir, 'none.txt')])).code,
    ).toBe(3);
    expect((await flowline(['prompts', 'register', '-n', 'x', '-t', 'a', '--tag', 'novalue'])).code).toBe(2);
    expect((await flowline(['registered-models', 'create', '-n', 'a-model'])).code).toBe(0);
    expect((await flowline(['prompts', 'delete', '-n', 'a-model'])).code).toBe(2);

    expect((await flowline(['prompts', 'delete-alias', '-n', 'greet', '-a', 'prod'])).code).toBe(0);
    expect((await flowline(['prompts', 'load', 'prompts:/greet@prod'])).code).toBe(3);
    expect((await flowline(['prompts', 'delete', '-n', 'greet', '-v', '2'])).stdout).toBe(
      "Deleted version 2 of prompt 'greet'.\n",
    );
    expect((await flowline(['prompts', 'load', 'greet', '--json'])).stdout).toContain('"version": 1');
    expect((await flowline(['prompts', 'delete', '-n', 'greet'])).code).toBe(0);
    expect((await flowline(['prompts', 'load', 'greet'])).code).toBe(3);
  });
});

describe('flowline prompts against a running server (the REST registry)', () => {
  let server: CliProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await startCli(
      ['server', '-p', String(port), '--backend-store-uri', `sqlite:///${join(dir, 'server.db')}`],
      { cwd: dir, env: {} },
      'flowline server listening',
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stores prompts as MLflow does, seen through the plain registry REST API', async () => {
    const options = { cwd: dir, env: { MLFLOW_TRACKING_URI: url } };
    const registered = await runCli(
      ['prompts', 'register', '-n', 'qa', '-t', 'Answer: {{ question }}', '-m', 'v1', '--tag', 'team=ml'],
      options,
    );
    expect(registered.code, registered.stderr).toBe(0);
    const model = (await (await fetch(`${url}/api/2.0/mlflow/registered-models/get?name=qa`)).json()) as {
      registered_model: { description: string; tags: Array<{ key: string; value: string }> };
    };
    expect(model.registered_model.description).toBe('v1');
    expect(tagsOf(model.registered_model.tags)).toEqual({ 'mlflow.prompt.is_prompt': 'true', team: 'ml' });
    const version = (await (
      await fetch(`${url}/api/2.0/mlflow/model-versions/get?name=qa&version=1`)
    ).json()) as {
      model_version: { tags: Array<{ key: string; value: string }> };
    };
    expect(version.model_version).toMatchObject({ description: 'v1', source: 'prompt-template' });
    expect(tagsOf(version.model_version.tags)).toEqual({
      'mlflow.prompt.is_prompt': 'true',
      'mlflow.prompt.text': 'Answer: {{ question }}',
      _mlflow_prompt_type: 'text',
      team: 'ml',
    });

    // The client over the REST registry: aliases, latest, and links to a run and (through link-prompts) a trace.
    const registry = await openRegistry(url);
    const tracking = new TrackingClient(url);
    const prompts = new PromptRegistry(registry, { trackingStore: tracking });
    await prompts.registerPrompt({ name: 'qa', template: [{ role: 'user', content: '{{question}}?' }] });
    await prompts.setPromptAlias('qa', 'champion', 2);
    expect((await prompts.loadPrompt('prompts:/qa@champion'))?.type).toBe('chat');
    expect((await prompts.loadPrompt('prompts:/qa'))?.version).toBe(2);

    const experimentId = await tracking.createExperiment({ name: 'prompt-links' });
    const run = await tracking.createRun({ experimentId, startTime: Date.now() });
    await prompts.linkPromptsToRun(run.info.runId, ['prompts:/qa/1', 'prompts:/qa@champion']);
    const tags = (await tracking.getRun(run.info.runId)).data.tags;
    expect(tags.find((t) => t.key === 'mlflow.linkedPrompts')?.value).toBe(
      '[{"name": "qa", "version": "1"}, {"name": "qa", "version": "2"}]',
    );

    const traceId = 'tr-00000000000000000000000000000abc';
    const started = await fetch(`${url}/api/3.0/mlflow/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        trace: {
          trace_info: {
            trace_id: traceId,
            trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
            request_time: new Date().toISOString(),
            state: 'OK',
          },
        },
      }),
    });
    expect(started.status, await started.clone().text()).toBe(200);
    await prompts.linkPromptVersionsToTrace(traceId, [{ name: 'qa', version: 2 }]);
    const trace = (await (await fetch(`${url}/api/3.0/mlflow/traces/${traceId}`)).json()) as {
      trace: { trace_info: { tags: Record<string, string> } };
    };
    expect(trace.trace.trace_info.tags['mlflow.linkedPrompts']).toBe('[{"name": "qa", "version": "2"}]');
    await registry.close();
    await tracking.close();

    const search = JSON.parse((await runCli(['prompts', 'search', '--json'], options)).stdout);
    expect(search.prompts.map((p: { name: string }) => p.name)).toEqual(['qa']);
  });
});
