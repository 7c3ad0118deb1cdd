import { readFile } from 'node:fs/promises';
import type { ChatMessage, Prompt, PromptRegistry, PromptTemplate, PromptVersion } from '@flowline/client';
import { MlflowError } from '@flowline/core';
import type { Command } from 'commander';
import { keyValue } from '../arguments.js';
import { createOutput, formatTime, table } from '../output.js';
import { openTracking, openTrackingRegistry } from '../tracking.js';
import type { GlobalOptions } from './globals.js';

/** Runs `fn` with the prompt registry of the command's tracking URI, then closes the stores. */
async function withPrompts<T>(g: GlobalOptions, fn: (prompts: PromptRegistry) => Promise<T>): Promise<T> {
  const tracking = await openTracking(g);
  try {
    const registry = await openTrackingRegistry(tracking);
    try {
      const { PromptRegistry } = await import('@flowline/client');
      return await fn(new PromptRegistry(registry, { trackingStore: tracking.store }));
    } finally {
      await registry.close();
    }
  } finally {
    await tracking.store.close();
  }
}

/** A prompt version as the JSON output shows it (MLflow's `PromptVersion` fields, snake_case). */
function promptJson(p: PromptVersion) {
  return {
    name: p.name,
    version: p.version,
    uri: p.uri,
    prompt_type: p.type,
    template: p.template,
    variables: p.variables,
    commit_message: p.commitMessage,
    tags: p.tags,
    prompt_tags: p.promptTags,
    aliases: p.aliases,
    creation_timestamp: p.creationTimestamp,
    last_updated_timestamp: p.lastUpdatedTimestamp,
    ...(p.responseFormat === undefined ? {} : { response_format: p.responseFormat }),
  };
}

function templateText(template: PromptTemplate): string {
  if (typeof template === 'string') return template;
  return template.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}

function describePrompt(p: PromptVersion): string {
  const lines = [`${p.uri}${p.commitMessage ? ` — ${p.commitMessage}` : ''}`];
  lines.push(
    `  ${p.type} template, variables: ${p.variables.join(', ') || '(none)'}; created ${formatTime(p.creationTimestamp)}`,
  );
  if (p.aliases.length > 0) lines.push(`  aliases: ${p.aliases.join(', ')}`);
  const tags = Object.entries(p.tags);
  if (tags.length > 0) lines.push(`  tags: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return `${lines.join('\n')}\n\n${templateText(p.template)}`;
}

async function readTemplate(opts: { template?: string; templateFile?: string; chat?: boolean }) {
  if ((opts.template === undefined) === (opts.templateFile === undefined))
    throw MlflowError.invalidParameterValue(
      'Give the template with exactly one of -t/--template or --template-file.',
    );
  const text = opts.template ?? (await readFile(opts.templateFile!, 'utf8'));
  if (!opts.chat && !opts.templateFile?.toLowerCase().endsWith('.json')) return text;
  try {
    return JSON.parse(text) as ChatMessage[];
  } catch (error) {
    throw MlflowError.invalidParameterValue(
      'A chat template must be a JSON list of {"role", "content"} messages (the file or -t value is not JSON).',
      { cause: error },
    );
  }
}

/** `flowline prompts …`: MLflow 3's prompt registry from the command line. */
export function registerPrompts(program: Command): void {
  const prompts = program
    .command('prompts')
    .description('Register, load, format, search, alias and delete prompts (MLflow 3 prompt registry).');
  prompts
    .command('register')
    .description('Register a new version of a prompt (the prompt is created on its first version).')
    .requiredOption('-n, --name <name>', 'prompt name (letters, digits, _ - .)')
    .option('-t, --template <text>', 'the template, with {{variable}} placeholders')
    .option('--template-file <file>', 'read the template from a file (.json: a chat message list)')
    .option('--chat', 'the template is a JSON list of {"role", "content"} chat messages', false)
    .option('-m, --commit-message <text>', 'what changed in this version')
    .option('--tag <key=value>', 'a tag of the version (repeatable)', keyValue('--tag'))
    .option('--response-format <json>', 'JSON schema of the expected response')
    .action(
      async (
        opts: {
          name: string;
          template?: string;
          templateFile?: string;
          chat: boolean;
          commitMessage?: string;
          tag?: Record<string, string>;
          responseFormat?: string;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const template = await readTemplate(opts);
        let responseFormat: Record<string, unknown> | undefined;
        if (opts.responseFormat !== undefined) {
          try {
            responseFormat = JSON.parse(opts.responseFormat) as Record<string, unknown>;
          } catch (error) {
            throw MlflowError.invalidParameterValue('--response-format must be a JSON object.', {
              cause: error,
            });
          }
        }
        const p = await withPrompts(g, (r) =>
          r.registerPrompt({
            name: opts.name,
            template,
            commitMessage: opts.commitMessage,
            tags: opts.tag,
            responseFormat,
          }),
        );
        createOutput(g.json).result(
          { prompt_version: promptJson(p) },
          () => `Registered prompt '${p.name}' version ${p.version} (${p.uri}).`,
        );
      },
    );
  prompts
    .command('load')
    .description(
      'Show a prompt version: prompts:/<name>/<version>, prompts:/<name>@<alias>, or a name (latest).',
    )
    .argument('<uri>', 'prompt URI or name')
    .option('--version <version>', 'version number or alias, with a bare name')
    .action(async (uri: string, opts: { version?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const p = (await withPrompts(g, (r) => r.loadPrompt(uri, { version: opts.version })))!;
      createOutput(g.json).result({ prompt_version: promptJson(p) }, () => describePrompt(p));
    });
  prompts
    .command('format')
    .description('Fill a prompt version’s {{variables}} and print the result.')
    .argument('<uri>', 'prompt URI or name')
    .option('-v, --var <key=value...>', 'a variable’s value (repeatable)', keyValue('--var'))
    .option('--version <version>', 'version number or alias, with a bare name')
    .option('--allow-partial', 'leave variables without a value in place instead of failing', false)
    .action(
      async (
        uri: string,
        opts: { var?: Record<string, string>; version?: string; allowPartial: boolean },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const p = (await withPrompts(g, (r) => r.loadPrompt(uri, { version: opts.version })))!;
        let formatted: PromptTemplate;
        try {
          formatted = p.format(opts.var ?? {}, { allowPartial: opts.allowPartial });
        } catch (error) {
          const message = (error as Error).message.replace(
            'pass { allowPartial: true }',
            'pass --allow-partial',
          );
          throw MlflowError.invalidParameterValue(message);
        }
        createOutput(g.json).result({ uri: p.uri, prompt_type: p.type, formatted }, () =>
          templateText(formatted),
        );
      },
    );
  prompts
    .command('search')
    .description('List registered prompts.')
    .option(
      '--filter <filter>',
      'registered-model filter, e.g. "name LIKE \'greet%\'" or "tags.team = \'a\'"',
    )
    .action(async (opts: { filter?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const all = await withPrompts(g, async (r) => {
        const out: Prompt[] = [];
        let pageToken: string | undefined;
        do {
          const page = await r.searchPrompts({ filter: opts.filter, maxResults: 1000, pageToken });
          out.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        return out;
      });
      createOutput(g.json).result(
        {
          prompts: all.map((p) => ({
            name: p.name,
            description: p.description,
            tags: p.tags,
            aliases: p.aliases,
            creation_timestamp: p.creationTimestamp,
            last_updated_timestamp: p.lastUpdatedTimestamp,
          })),
        },
        () =>
          table(
            ['Name', 'Aliases', 'Tags', 'Updated'],
            all.map((p) => [
              p.name,
              p.aliases.map((a) => `${a.alias}→v${a.version}`).join(', '),
              Object.entries(p.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', '),
              formatTime(p.lastUpdatedTimestamp),
            ]),
          ),
      );
    });
  prompts
    .command('set-alias')
    .description('Point an alias at a prompt version (moves it if it pointed elsewhere).')
    .requiredOption('-n, --name <name>', 'prompt name')
    .requiredOption('-a, --alias <alias>', 'alias, e.g. production')
    .requiredOption('-v, --version <version>', 'version number')
    .action(async (opts: { name: string; alias: string; version: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withPrompts(g, (r) => r.setPromptAlias(opts.name, opts.alias, opts.version));
      createOutput(g.json).result(
        { name: opts.name, alias: opts.alias, version: opts.version },
        () => `prompts:/${opts.name}@${opts.alias} → version ${opts.version}`,
      );
    });
  prompts
    .command('delete-alias')
    .description('Remove an alias of a prompt.')
    .requiredOption('-n, --name <name>', 'prompt name')
    .requiredOption('-a, --alias <alias>', 'alias')
    .action(async (opts: { name: string; alias: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withPrompts(g, (r) => r.deletePromptAlias(opts.name, opts.alias));
      createOutput(g.json).result(
        { name: opts.name, alias: opts.alias, deleted: true },
        () => `Removed alias '${opts.alias}' of prompt '${opts.name}'.`,
      );
    });
  prompts
    .command('delete')
    .description('Delete one version of a prompt (-v), or the prompt with all its versions.')
    .requiredOption('-n, --name <name>', 'prompt name')
    .option('-v, --version <version>', 'only this version')
    .action(async (opts: { name: string; version?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withPrompts(g, (r) =>
        opts.version === undefined
          ? r.deletePrompt(opts.name)
          : r.deletePromptVersion(opts.name, opts.version),
      );
      createOutput(g.json).result(
        { name: opts.name, ...(opts.version === undefined ? {} : { version: opts.version }), deleted: true },
        () =>
          opts.version === undefined
            ? `Deleted prompt '${opts.name}' and its versions.`
            : `Deleted version ${opts.version} of prompt '${opts.name}'.`,
      );
    });
}
