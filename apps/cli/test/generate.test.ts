import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { logModel, saveModel } from '@flowline/model-format';
import { GeneratorParams, generate, Model, Tokenizer } from '@flowline/onnx-genai';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, runCli, serveModel } from './helpers.js';

let dir: string;
let folder: string;
let env: Record<string, string>;
let model: Model;
let tokenizer: Tokenizer;
let runUri: string;

const flowline = (args: string[], input = '') => runCli(args, { env, cwd: dir }, input);

/** The onnx-genai Generator's own greedy answer to a conversation, decoded. */
async function greedy(messages: Array<{ role: string; content: string }>, newTokens: number) {
  const prompt = tokenizer.encode(tokenizer.applyChatTemplate(messages));
  const params = new GeneratorParams(model);
  params.setSearchOptions({ max_length: prompt.length + newTokens });
  const ids = (await generate(model, params, prompt)).slice(prompt.length);
  return { text: tokenizer.decode(ids), tokens: ids.length };
}

type Answer = {
  choices: Array<{ message: { content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number };
};

const STATS = /^(\d+) tokens in \d+\.\d\d s \(\d+\.\d tokens\/s\)\n$/;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-generate-'));
  folder = await writeModelFiles(join(dir, 'tiny-genai'), createTinyDecoder({ seed: 5 }).files);
  model = await Model.load(folder);
  tokenizer = await Tokenizer.fromFolder(folder);
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  env = { MLFLOW_TRACKING_URI: uri };
  const tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: join(dir, 'artifacts') });
  const run = await tracking.createRun({});
  runUri = (
    await logModel({
      artifactPath: 'chat',
      runId: run.info.runId,
      store: tracking,
      artifacts: createArtifactRegistry().resolve(run.info.artifactUri),
      onnxGenai: { source: folder, modelConfig: { max_length: 30 } },
    })
  ).modelUri;
  await tracking.close();
});
afterAll(async () => {
  await model.close();
  await rm(dir, { recursive: true, force: true });
});

describe('flowline generate', () => {
  it('streams the greedy answer of an ONNX Runtime GenAI folder to stdout and the speed to stderr', async () => {
    const result = await flowline(['generate', '-m', folder, '-p', 'hello cat', '--max-new-tokens', '12']);
    expect(result.code).toBe(0);
    const expected = await greedy([{ role: 'user', content: 'hello cat' }], 12);
    expect(result.stdout).toBe(`${expected.text}\n`);
    expect(result.stderr).toMatch(STATS);
    expect(Number(STATS.exec(result.stderr)![1])).toBe(expected.tokens);
  });

  it('prints one JSON object with --json, and takes a system message and --max-length', async () => {
    const result = await flowline([
      'generate',
      '--json',
      '-m',
      folder,
      '-p',
      'the mat',
      '--system',
      'you said',
      '--max-length',
      '20',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const messages = [
      { role: 'system', content: 'you said' },
      { role: 'user', content: 'the mat' },
    ];
    const prompt = tokenizer.encode(tokenizer.applyChatTemplate(messages));
    const expected = await greedy(messages, 20 - prompt.length);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      text: expected.text,
      tokens: expected.tokens,
      prompt_tokens: prompt.length,
    });
    expect(summary.seconds).toBeGreaterThanOrEqual(0);
    expect(summary.tokens_per_second).toBeGreaterThanOrEqual(0);
  });

  it('encodes the raw prompt with --no-chat-template', async () => {
    const result = await flowline([
      'generate',
      '-m',
      folder,
      '-p',
      'the cat sat',
      '--no-chat-template',
      '--max-new-tokens',
      '6',
    ]);
    const prompt = tokenizer.encode('the cat sat');
    const params = new GeneratorParams(model);
    params.setSearchOptions({ max_length: prompt.length + 6 });
    const ids = (await generate(model, params, prompt)).slice(prompt.length);
    expect(result.stdout).toBe(`${tokenizer.decode(ids)}\n`);
  });

  it('generates from a Flowline model by runs:/ URI, with its model_config as defaults', async () => {
    const result = await flowline(['generate', '-m', runUri, '-p', 'hello world', '--json']);
    expect(result.code).toBe(0);
    const messages = [{ role: 'user', content: 'hello world' }];
    const prompt = tokenizer.encode(tokenizer.applyChatTemplate(messages));
    const expected = await greedy(messages, 30 - prompt.length);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: expected.text, tokens: expected.tokens });
  });

  it('samples reproducibly with --do-sample --seed', async () => {
    const args = [
      'generate',
      '-m',
      folder,
      '-p',
      'hello',
      '--max-new-tokens',
      '10',
      '--do-sample',
      '--top-k',
      '0',
    ];
    const first = await flowline([...args, '--seed', '11']);
    const again = await flowline([...args, '--seed', '11']);
    expect(first.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  });

  it('exits 3 for a missing folder and 2 for a folder without genai_config.json or bad options', async () => {
    const missing = await flowline(['generate', '-m', join(dir, 'nope'), '-p', 'x']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/No model folder at/);
    const plain = await flowline(['generate', '-m', dir, '-p', 'x']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/has no genai_config\.json/);
    const json = await flowline(['generate', '--json', '-m', dir, '-p', 'x']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    const badTopP = await flowline(['generate', '-m', folder, '-p', 'x', '--top-p', '2']);
    expect(badTopP.code).toBe(2);
    expect(badTopP.stderr).toMatch(/top-p must be a number from 0 to 1/);
    const tooLong = await flowline(['generate', '-m', folder, '-p', 'hello', '--max-length', '3']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/leaves no room under max_length 3/);
    expect(tooLong.stdout).toBe('');
  });
});

describe('flowline generate on a terminal', () => {
  it('shows a progress bar with tokens/s on stderr when stdout goes to a file', async () => {
    // `script` gives the command a terminal for stderr while stdout is redirected to a file.
    const out = join(dir, 'generated.txt');
    const command = `node ${bin} generate -m ${folder} -p hello --max-new-tokens 6 > ${out}`;
    const terminal = await new Promise<string>((resolve, reject) =>
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { env: { ...process.env, ...env } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(terminal).toMatch(/generating \[=+\] 6\/6 tokens \| [\d.]+ tokens\/s/);
    expect(terminal).toMatch(/6 tokens in \d+\.\d\d s/);
    const expected = await greedy([{ role: 'user', content: 'hello' }], 6);
    expect(await readFile(out, 'utf8')).toBe(`${expected.text}\n`);
  });
});

describe('flowline chat', () => {
  it('answers each stdin line, keeping the conversation in the chat template', async () => {
    const result = await flowline(['chat', '-m', folder, '--max-new-tokens', '5'], 'hello\n\nthe cat\n');
    expect(result.code).toBe(0);
    const first = await greedy([{ role: 'user', content: 'hello' }], 5);
    const second = await greedy(
      [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'the cat' },
      ],
      5,
    );
    expect(result.stdout).toBe(`${first.text}\n${second.text}\n`);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('keeps the KV cache between turns: the second turn runs only what the first did not', async () => {
    const result = await flowline(
      ['chat', '-m', folder, '--max-new-tokens', '5', '--json'],
      'hello\nthe cat\nsaid you\n',
    );
    expect(result.code).toBe(0);
    const turns = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { text: string; prompt_tokens: number; reused_tokens: number });
    expect(turns).toHaveLength(3);
    const history: Array<{ role: string; content: string }> = [];
    for (const [i, [content, turn]] of (['hello', 'the cat', 'said you'] as const)
      .map((c, j) => [c, turns[j]!] as const)
      .entries()) {
      history.push({ role: 'user', content });
      // Equal to a fresh generation over the whole conversation, token for token.
      expect(turn.text).toBe((await greedy(history, 5)).text);
      history.push({ role: 'assistant', content: turn.text });
      if (i === 0) expect(turn.reused_tokens).toBe(0);
      // Later turns reuse the earlier conversation's tokens (at least the previous prompt).
      else expect(turn.reused_tokens).toBeGreaterThanOrEqual(turns[i - 1]!.prompt_tokens - 1);
    }
  });
});

describe('flowline chat when the conversation fills max_length', () => {
  const lines = 'hello\nthe cat\nsaid you\nhello again\nthe cat sat\n';
  const parse = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { text: string; prompt_tokens: number });

  it('says so and exits 7 instead of answering with nothing', async () => {
    const result = await flowline(
      ['chat', '-m', folder, '--max-new-tokens', '5', '--max-length', '40', '--json'],
      lines,
    );
    expect(result.code).toBe(7);
    // Four answers fit; the fifth message does not, and is not answered with an empty text.
    expect(parse(result.stdout)).toHaveLength(4);
    expect(result.stderr).toMatch(
      /the conversation is \d+ tokens and fills this chat's max_length 40 .* --drop-oldest .*--max-length/,
    );
  });

  it('with --drop-oldest, drops the oldest exchanges and answers as a fresh chat over what is kept', async () => {
    const result = await flowline(
      ['chat', '-m', folder, '--max-new-tokens', '5', '--max-length', '40', '--json', '--drop-oldest'],
      lines,
    );
    expect(result.code).toBe(0);
    const turns = parse(result.stdout);
    expect(turns).toHaveLength(5);
    const dropped = Number(/dropped its (\d+) oldest messages/.exec(result.stderr)?.[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped % 2).toBe(0);
    const history: Array<{ role: string; content: string }> = [];
    for (const [i, content] of lines.trim().split('\n').entries()) {
      history.push({ role: 'user', content });
      if (i === 4) history.splice(0, dropped);
      expect(turns[i]!.text).toBe((await greedy(history, 5)).text);
      history.push({ role: 'assistant', content: turns[i]!.text });
    }
    expect(turns[4]!.prompt_tokens + 5).toBeLessThanOrEqual(40);
  });
});

describe('flowline generate with a Flowline model folder', () => {
  it('reads the onnx_genai flavor’s data folder, and refuses a model of another flavor', async () => {
    const path = join(dir, 'saved-genai');
    await saveModel({ path, onnxGenai: { source: folder } });
    const saved = await flowline(['generate', '-m', path, '-p', 'hello cat', '--max-new-tokens', '4']);
    expect(saved.stdout).toBe(`${(await greedy([{ role: 'user', content: 'hello cat' }], 4)).text}\n`);
    await writeFile(
      join(dir, 'echo.mjs'),
      'export default class Echo { predict(_c, rows) { return rows; } }',
    );
    await saveModel({ path: join(dir, 'custom'), custom: { code: join(dir, 'echo.mjs') } });
    const custom = await flowline(['generate', '-m', join(dir, 'custom'), '-p', 'hi']);
    expect(custom.code).toBe(2);
    expect(custom.stderr).toMatch(/has no onnx_genai flavor/);
  });
});

describe('flowline models serve with an onnx_genai model', () => {
  it('answers /invocations, and /v1/chat/completions streamed as server-sent events', async () => {
    const messages = [{ role: 'user', content: 'hello cat' }];
    const prompt = tokenizer.encode(tokenizer.applyChatTemplate(messages));
    const expected = (await greedy(messages, 10)).text;
    const server = await serveModel(runUri, { env, cwd: dir }, ['--served-model-name', 'm']);
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    try {
      const scored = (await (
        await post('/invocations', { inputs: { messages, max_tokens: 10 } })
      ).json()) as {
        predictions: Answer;
      };
      expect(scored.predictions.choices[0]!.message.content).toBe(expected);
      const whole = (await (
        await post('/v1/chat/completions', { model: 'm', messages, max_tokens: 10 })
      ).json()) as Answer;
      expect(whole).toMatchObject({
        object: 'chat.completion',
        model: 'm',
        choices: [{ message: { content: expected } }],
      });
      expect(whole.usage.prompt_tokens).toBe(prompt.length);

      const streamed = await post('/v1/chat/completions', {
        messages,
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = (await streamed.text()).split('\n\n').filter(Boolean);
      expect(events.at(-1)).toBe('data: [DONE]');
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
      const pieces = chunks.map((c) => c.choices[0]?.delta.content).filter(Boolean);
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join('')).toBe(expected);
      expect(chunks.at(-2)).toMatchObject({
        object: 'chat.completion.chunk',
        choices: [{ finish_reason: whole.choices[0]!.finish_reason }],
      });
      // stream_options.include_usage: a last chunk with no choices carries the usage.
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 10 } });

      const badRole = await post('/v1/chat/completions', { messages: [{ role: 'robot', content: 'hi' }] });
      expect(badRole.status).toBe(400);
      expect(await badRole.json()).toMatchObject({
        error: { type: 'invalid_request_error', code: 'INVALID_PARAMETER_VALUE' },
      });
      const badParam = await post('/invocations', { inputs: { messages }, params: { top_k: 'many' } });
      expect(badParam.status).toBe(400);
      expect(await badParam.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
