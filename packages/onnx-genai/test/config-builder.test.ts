import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Config, GeneratorParams, Model, ortSessionOptions } from '../src/index.js';

const decoder = createTinyDecoder({ seed: 5 });
let dir: string;
let folder: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-genai-config-'));
  folder = await writeModelFiles(join(dir, 'lm'), decoder.files);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Config (og.Config)', () => {
  it('clearProviders / appendProvider / setProviderOption edit the decoder’s provider_options; unknown providers are refused', () => {
    const config = new Config(folder);
    expect(config.config.model.decoder.session_options.provider_options).toEqual([]);
    config.appendProvider('CUDAExecutionProvider');
    config.setProviderOption('cuda', 'device_id', '1');
    config.setProviderOption('webgpu', 'x', 'y');
    expect(config.config.model.decoder.session_options.provider_options).toEqual([
      { CUDAExecutionProvider: { device_id: '1' } },
      { webgpu: { x: 'y' } },
    ]);
    expect(() => config.appendProvider('quantum')).toThrow(/Unknown execution provider 'quantum'/);
    expect(() => config.setProviderOption('cuda', 'device_id', 1 as unknown as string)).toThrow(
      /must be a string/,
    );
    config.clearProviders();
    expect(config.config.model.decoder.session_options.provider_options).toEqual([]);
    expect(() => new Config(join(dir, 'nowhere'))).toThrow(/No genai_config.json/);
  });

  it('overlay merges JSON over the config (as og.Config.overlay); an invalid overlay leaves it as it was', async () => {
    const config = new Config(folder);
    config.overlay('{"search": {"max_length": 20, "top_k": 5}}');
    expect(config.config.search).toMatchObject({ max_length: 20, top_k: 5, do_sample: false });
    expect(config.config.model.vocab_size).toBe(decoder.shape.vocabSize);
    expect(() => config.overlay({ search: { bogus: 1 } })).toThrow(/Unknown key search.bogus/);
    expect(() => config.overlay('{oops')).toThrow(/not valid JSON/);
    expect(config.config.search.max_length).toBe(20);
    const model = await Model.load(config);
    try {
      expect(new GeneratorParams(model).search.max_length).toBe(20);
    } finally {
      await model.close();
    }
  });
});

describe('session options reach onnxruntime', () => {
  it('maps every ONNX Runtime GenAI session option onto onnxruntime-node’s, and refuses what the binding cannot take', () => {
    const options = ortSessionOptions({
      provider_options: [{ cuda: { device_id: '1' } }],
      config_entries: { 'session.intra_op.allow_spinning': '0', 'session.use_env_allocators': '1' },
      intra_op_num_threads: 2,
      inter_op_num_threads: 1,
      graph_optimization_level: 'ORT_ENABLE_BASIC',
      enable_cpu_mem_arena: false,
      enable_mem_pattern: false,
      log_id: 'x',
      log_severity_level: 3,
      enable_profiling: '/tmp/p',
    });
    expect(options).toMatchObject({
      executionProviders: [{ name: 'cuda', deviceId: 1 }],
      intraOpNumThreads: 2,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'basic',
      enableCpuMemArena: false,
      enableMemPattern: false,
      logId: 'x',
      logSeverityLevel: 3,
      enableProfiling: true,
      profileFilePrefix: '/tmp/p',
      extra: { session: { intra_op: { allow_spinning: '0' }, use_env_allocators: '1' } },
    });
    const base = { provider_options: [], config_entries: {} };
    expect(ortSessionOptions(base).executionProviders).toEqual(['cpu']);
    expect(ortSessionOptions(base, { providers: ['CPUExecutionProvider'] }).executionProviders).toEqual([
      'cpu',
    ]);
    expect(() =>
      ortSessionOptions({ ...base, provider_options: [{ cuda: { enable_cuda_graph: '1' } }] }),
    ).toThrow(/enable_cuda_graph.*cannot be passed/);
    expect(() => ortSessionOptions({ ...base, custom_ops_library: 'libx.so' })).toThrow(/custom op library/);
    expect(() => ortSessionOptions({ ...base, log_severity_level: 7 })).toThrow(/from 0 to 4/);
  });

  it('enable_profiling writes onnxruntime’s profile of the model’s runs under the prefix', async () => {
    const prefix = join(dir, 'profile');
    const config = new Config(folder);
    config.overlay({ model: { decoder: { session_options: { enable_profiling: prefix } } } });
    const model = await Model.load(config);
    const params = new GeneratorParams(model);
    params.setSearchOptions({ max_length: 6 });
    params.inputIds = [decoder.vocab.the!, decoder.vocab.cat!];
    await model.generate(params);
    model.session.endProfiling();
    await model.close();
    const files = (await readdir(dir)).filter((name) => name.startsWith('profile') && name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const events = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as { name: string }[];
    expect(events.filter((e) => e.name === 'model_run').length).toBeGreaterThanOrEqual(1);
  });

  it('a session config entry reaches onnxruntime: session.load_model_format ORT makes the .onnx file unreadable', async () => {
    const config = new Config(folder);
    config.overlay({ model: { decoder: { session_options: { 'session.load_model_format': 'ORT' } } } });
    await expect(Model.load(config)).rejects.toThrow(/ORT|format|flatbuffer/i);
    config.overlay({ model: { decoder: { session_options: { 'session.load_model_format': 'ONNX' } } } });
    await (await Model.load(config)).close();
  });

  it('an unknown provider is refused; one onnxruntime-node cannot start (CUDA here) is PROVIDER_UNAVAILABLE', async () => {
    await expect(Model.load(folder, { providers: ['quantum'] })).rejects.toThrow(
      /Unknown execution provider/,
    );
    const config = new Config(folder);
    config.setProviderOption('cuda', 'enable_cuda_graph', '1');
    await expect(Model.load(config)).rejects.toThrow(/enable_cuda_graph/);
    config.clearProviders();
    config.setProviderOption('cuda', 'device_id', '0');
    const error = await Model.load(config).catch((e: unknown) => e);
    // With onnxruntime-node from npm the CUDA libraries are a separate download, absent here.
    if (!(error instanceof Model)) expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    else await error.close();
  });
});
