import { describe, expect, it } from 'vitest';
import { diffLines, diffStats } from '../src/lib/prompt-diff.js';
import {
  isPrompt,
  parseChat,
  readPromptVersion,
  templateLines,
  templateVariables,
} from '../src/lib/prompt-version.js';

const kinds = (lines: ReturnType<typeof diffLines>) =>
  lines.map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'added' ? '+' : '-'}${l.text}`);

describe('diffLines', () => {
  it('keeps equal templates as they are, with both line numbers', () => {
    const lines = diffLines(['a', 'b'], ['a', 'b']);
    expect(lines).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'same', text: 'b', oldLine: 2, newLine: 2 },
    ]);
  });

  it('marks a changed line as removed then added, between common lines', () => {
    const lines = diffLines(['Hello {{name}}', 'Be brief.', 'Bye'], ['Hello {{name}}', 'Be kind.', 'Bye']);
    expect(kinds(lines)).toEqual([' Hello {{name}}', '-Be brief.', '+Be kind.', ' Bye']);
    expect(lines[1]).toEqual({ kind: 'removed', text: 'Be brief.', oldLine: 2 });
    expect(lines[2]).toEqual({ kind: 'added', text: 'Be kind.', newLine: 2 });
    expect(lines[3]).toEqual({ kind: 'same', text: 'Bye', oldLine: 3, newLine: 3 });
  });

  it('finds the longest common subsequence when lines move', () => {
    const lines = diffLines(['a', 'b', 'c', 'd'], ['b', 'c', 'a', 'd', 'e']);
    expect(kinds(lines)).toEqual(['-a', ' b', ' c', '+a', ' d', '+e']);
    expect(lines.find((l) => l.text === 'd')).toEqual({ kind: 'same', text: 'd', oldLine: 4, newLine: 4 });
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
  });

  it('handles empty sides', () => {
    expect(kinds(diffLines([], ['x']))).toEqual(['+x']);
    expect(kinds(diffLines(['x'], []))).toEqual(['-x']);
    expect(diffLines([], [])).toEqual([]);
  });

  it('numbers lines after a common head and before a common tail', () => {
    const older = ['h1', 'h2', 'old', 't1'];
    const newer = ['h1', 'h2', 'new', 'extra', 't1'];
    const lines = diffLines(older, newer);
    expect(kinds(lines)).toEqual([' h1', ' h2', '-old', '+new', '+extra', ' t1']);
    expect(lines[2]!.oldLine).toBe(3);
    expect(lines[4]!.newLine).toBe(4);
    expect(lines[5]).toEqual({ kind: 'same', text: 't1', oldLine: 4, newLine: 5 });
  });

  it('stays fast on long templates with a small edit', () => {
    const older = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    const newer = [...older];
    newer[10_000] = 'changed';
    const lines = diffLines(older, newer);
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
    expect(lines).toHaveLength(20_001);
  });
});

describe('prompt versions', () => {
  it("reads a text version: template, variables, commit message, tags without MLflow's own", () => {
    const view = readPromptVersion({
      version: '2',
      description: 'shorter',
      aliases: ['production'],
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.text', value: 'Hi {{ name }}, about {{topic}} and {{name}} {{ user.city }}' },
        { key: '_mlflow_prompt_type', value: 'text' },
        { key: 'team', value: 'search' },
      ],
    });
    expect(view).toMatchObject({
      version: '2',
      type: 'text',
      commitMessage: 'shorter',
      aliases: ['production'],
      variables: ['name', 'topic', 'user.city'],
      tags: [{ key: 'team', value: 'search' }],
    });
    expect(view.messages).toBeUndefined();
  });

  it('reads a version without a type tag as text (older MLflow)', () => {
    const view = readPromptVersion({ version: '1', tags: [{ key: 'mlflow.prompt.text', value: 'a\nb' }] });
    expect(view.type).toBe('text');
    expect(templateLines(view)).toEqual(['a', 'b']);
  });

  it('reads a chat template as role: content lines', () => {
    const text = JSON.stringify([
      { role: 'system', content: 'You are {{ persona }}.\nBe brief.' },
      { role: 'user', content: '{{question}}' },
    ]);
    const view = readPromptVersion({
      version: '3',
      tags: [
        { key: 'mlflow.prompt.text', value: text },
        { key: '_mlflow_prompt_type', value: 'chat' },
      ],
    });
    expect(view.messages).toHaveLength(2);
    expect(view.variables).toEqual(['persona', 'question']);
    expect(templateLines(view)).toEqual([
      'system: You are {{ persona }}.',
      '  Be brief.',
      'user: {{question}}',
    ]);
  });

  it('shows a chat template that does not parse as its text', () => {
    expect(parseChat('not json')).toBeUndefined();
    expect(parseChat('[{"content": "no role"}]')).toBeUndefined();
    expect(parseChat('{"role": "user"}')).toBeUndefined();
    const view = readPromptVersion({
      version: '1',
      tags: [
        { key: 'mlflow.prompt.text', value: '[oops' },
        { key: '_mlflow_prompt_type', value: 'chat' },
      ],
    });
    expect(templateLines(view)).toEqual(['[oops']);
  });

  it('tells prompts from models by the tag', () => {
    expect(isPrompt([{ key: 'mlflow.prompt.is_prompt', value: 'true' }])).toBe(true);
    expect(isPrompt([{ key: 'mlflow.prompt.is_prompt', value: 'false' }])).toBe(false);
    expect(isPrompt(undefined)).toBe(false);
    expect(templateVariables(['{{ 1bad }} {{ok_1}}'])).toEqual(['ok_1']);
  });
});
