import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenaiConfigError, parseGenaiConfig, readGenaiConfig } from '../src/index.js';

/** Phi-3-mini-4k-instruct's genai_config.json (cpu-int4-rtn-block-32-acc-level-4), as published. */
const PHI3 = {
  model: {
    bos_token_id: 1,
    context_length: 4096,
    decoder: {
      session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
      filename: 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx',
      head_size: 96,
      hidden_size: 3072,
      inputs: {
        input_ids: 'input_ids',
        attention_mask: 'attention_mask',
        past_key_names: 'past_key_values.%d.key',
        past_value_names: 'past_key_values.%d.value',
      },
      outputs: {
        logits: 'logits',
        present_key_names: 'present.%d.key',
        present_value_names: 'present.%d.value',
      },
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 32,
    },
    eos_token_id: [32000, 32001, 32007],
    pad_token_id: 32000,
    type: 'phi3',
    vocab_size: 32064,
  },
  search: {
    diversity_penalty: 0.0,
    do_sample: false,
    early_stopping: true,
    length_penalty: 1.0,
    max_length: 4096,
    min_length: 0,
    no_repeat_ngram_size: 0,
    num_beams: 1,
    num_return_sequences: 1,
    past_present_share_buffer: true,
    repetition_penalty: 1.0,
    temperature: 1.0,
    top_k: 1,
    top_p: 1.0,
  },
};

const clone = () =>
  structuredClone(PHI3) as unknown as {
    model: Record<string, unknown> & { decoder: Record<string, unknown> };
    search: Record<string, unknown>;
  };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-genai-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('genai_config.json', () => {
  it("parses Phi-3-mini's config, filling ONNX Runtime GenAI's defaults", () => {
    const config = parseGenaiConfig(PHI3);
    expect(config.model.eos_token_id).toEqual([32000, 32001, 32007]);
    expect(config.model.decoder.inputs.position_ids).toBe('position_ids');
    expect(config.model.decoder.inputs.past_key_names).toBe('past_key_values.%d.key');
    expect(config.model.decoder.session_options).toEqual({
      log_id: 'onnxruntime-genai',
      provider_options: [],
      config_entries: {},
    });
    expect(config.search).toMatchObject({
      top_k: 1,
      past_present_share_buffer: true,
      random_seed: -1,
      batch_size: 1,
    });
  });

  it('applies the defaults the C++ parser applies', () => {
    const minimal = {
      model: {
        type: 'llama',
        context_length: 64,
        vocab_size: 100,
        pad_token_id: 7,
        decoder: { filename: 'm.onnx' },
      },
    };
    const config = parseGenaiConfig(minimal);
    expect(config.model.eos_token_id).toEqual([7]);
    expect(config.search.max_length).toBe(64);
    expect(config.search.top_k).toBe(50);
    expect(config.model.decoder.outputs.present_value_names).toBe('present.%d.value');
    const scalarEos = parseGenaiConfig({ ...minimal, model: { ...minimal.model, eos_token_id: 3 } });
    expect(scalarEos.model.eos_token_id).toEqual([3]);
  });

  it('keeps provider options and free session config entries', () => {
    const config = clone();
    config.model.decoder.session_options = {
      log_id: 'x',
      provider_options: [{ cuda: { enable_cuda_graph: '0' } }],
      'session.intra_op.allow_spinning': '0',
      graph_optimization_level: 'ORT_ENABLE_ALL',
    };
    const parsed = parseGenaiConfig(config);
    expect(parsed.model.decoder.session_options.provider_options).toEqual([
      { cuda: { enable_cuda_graph: '0' } },
    ]);
    expect(parsed.model.decoder.session_options.config_entries).toEqual({
      'session.intra_op.allow_spinning': '0',
    });
  });

  it.each([
    [
      'an unknown top-level key',
      (c: ReturnType<typeof clone>) => Object.assign(c, { extra: 1 }),
      /Unknown key extra/,
    ],
    [
      'an unknown search key',
      (c: ReturnType<typeof clone>) => Object.assign(c.search, { beams: 2 }),
      /Unknown key search.beams/,
    ],
    [
      'a wrong type',
      (c: ReturnType<typeof clone>) => Object.assign(c.search, { max_length: '4096' }),
      /search.max_length must be an integer/,
    ],
    [
      'an unsupported model type',
      (c: ReturnType<typeof clone>) => Object.assign(c.model, { type: 'whisper' }),
      /'whisper' is not supported/,
    ],
    [
      'a missing context length',
      (c: ReturnType<typeof clone>) => Object.assign(c.model, { context_length: 0 }),
      /context_length is required/,
    ],
    [
      'an eos outside the vocabulary',
      (c: ReturnType<typeof clone>) => Object.assign(c.model, { eos_token_id: [99999] }),
      /outside the vocabulary/,
    ],
    [
      'max_length past the context',
      (c: ReturnType<typeof clone>) => Object.assign(c.search, { max_length: 5000 }),
      /max_length must be from 1 to the context length/,
    ],
    [
      'more return sequences than beams',
      (c: ReturnType<typeof clone>) => Object.assign(c.search, { num_return_sequences: 2 }),
      /num_return_sequences/,
    ],
    [
      'a non-string session entry',
      (c: ReturnType<typeof clone>) => Object.assign(c.model.decoder, { session_options: { spin: 1 } }),
      /spin is not a known session option/,
    ],
    [
      'a provider entry with two keys',
      (c: ReturnType<typeof clone>) =>
        Object.assign(c.model.decoder, { session_options: { provider_options: [{ cuda: {}, dml: {} }] } }),
      /one provider name/,
    ],
  ])('refuses %s, naming the key', (_name, mutate, message) => {
    const config = clone();
    mutate(config);
    expect(() => parseGenaiConfig(config)).toThrow(GenaiConfigError);
    expect(() => parseGenaiConfig(config)).toThrow(message);
  });

  it('reads the testkit decoder’s folder, and says what is missing elsewhere', async () => {
    const folder = await writeModelFiles(join(dir, 'lm'), createTinyDecoder().files);
    const config = await readGenaiConfig(folder);
    expect(config.model.decoder.filename).toBe('onnx/model.onnx');
    expect(config.model.decoder.num_hidden_layers).toBe(1);
    await expect(readGenaiConfig(join(dir, 'none'))).rejects.toThrow(/No genai_config.json/);
    await writeFile(join(dir, 'genai_config.json'), '{ not json');
    await expect(readGenaiConfig(dir)).rejects.toThrow(/not valid JSON/);
  });
});
