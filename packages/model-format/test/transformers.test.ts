import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTinyEncoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, readMLmodel, saveModel } from '../src/index.js';

const encoder = createTinyEncoder({ hidden: 8, seed: 11 });
let dir: string;
let source: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-transformers-'));
  source = await writeModelFiles(join(dir, 'source'), encoder.files);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the pipeline should give: the mean of the tokens' hidden states ([CLS] … [SEP]), optionally unit length. */
function expected(tokens: string[], normalize = true): number[] {
  const ids = ['[CLS]', ...tokens, '[SEP]'].map((t) => encoder.vocab[t]!);
  const states = encoder.reference(ids);
  const mean = states[0]!.map((_, j) => states.reduce((s, row) => s + row[j]!, 0) / states.length);
  const norm = normalize ? Math.hypot(...mean) : 1;
  return mean.map((v) => v / norm);
}

function close(actual: unknown, rows: number[][]): void {
  const a = actual as number[][];
  expect(a).toHaveLength(rows.length);
  for (const [i, row] of a.entries()) {
    expect(row).toHaveLength(rows[i]!.length);
    for (const [j, v] of row.entries()) expect(v).toBeCloseTo(rows[i]![j]!, 5);
  }
}

describe('the transformers flavor (transformers.js pipelines)', () => {
  it('saves a feature-extraction pipeline with its files and embeds text as the network computes', async () => {
    const path = join(dir, 'embedder');
    await saveModel({ path, transformers: { source, task: 'feature-extraction' } });
    const mlmodel = await readMLmodel(path);
    expect(mlmodel.flavors.transformers).toMatchObject({
      task: 'feature-extraction',
      model_binary: 'model',
      pipeline_model_type: 'bert',
      components: ['tokenizer'],
      dtype: 'fp32',
    });
    expect(JSON.parse(await readFile(join(path, 'model', 'tokenizer.json'), 'utf8')).model.type).toBe(
      'WordPiece',
    );
    const model = await loadModel(path);
    close(await model.predict(['Hello cat', 'sat']), [expected(['hello', 'cat']), expected(['sat'])]);
    // Unknown words split into word pieces; rows with one text column work too.
    close(await model.predict([{ text: 'dog' }]), [expected(['d', '##o', '##g'])]);
    // Params override the saved pipeline options.
    close(await model.predict('the', { normalize: false }), [expected(['the'], false)]);
    await expect(model.predict([1, 2])).rejects.toThrow(/takes text/);
  });

  it('answers MLflow’s llm/v1/embeddings schema with token usage, and loads in a fresh process', async () => {
    const path = join(dir, 'llm-embedder');
    await saveModel({
      path,
      transformers: {
        source,
        task: 'feature-extraction',
        inferenceTask: 'llm/v1/embeddings',
        modelConfig: { normalize: false },
      },
    });
    expect((await readMLmodel(path)).metadata).toEqual({ task: 'llm/v1/embeddings' });
    const script = `import { loadModel } from '@flowline/model-format';
      const m = await loadModel(process.argv[1]);
      console.log(JSON.stringify(await m.predict({ input: ['hello world', 'cat'] })));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, path],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      },
    );
    const response = JSON.parse(stdout);
    expect(response.object).toBe('list');
    expect(response.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    close(
      response.data.map((d: { embedding: number[] }) => d.embedding),
      [expected(['hello', 'world'], false), expected(['cat'], false)],
    );
    // [CLS] hello world [SEP] + [CLS] cat [SEP]
    expect(response.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
  });

  it('refuses a folder that is not a transformers.js model, and tasks it cannot run', async () => {
    await expect(
      saveModel({ path: join(dir, 'bad'), transformers: { source: dir, task: 'feature-extraction' } }),
    ).rejects.toThrow(/no config.json/);
    await expect(
      saveModel({
        path: join(dir, 'bad-task'),
        transformers: { source, task: 'summarization' as 'feature-extraction' },
      }),
    ).rejects.toThrow(/saves tasks feature-extraction/);
  });
});
