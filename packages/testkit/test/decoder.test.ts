import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTinyDecoder, PHI3_MODEL_FILE, quantizeInt4, type TinyDecoder } from '../src/index.js';

type Mode = 'growing' | 'share-buffer';

/** Every position's logits of a full forward pass over `ids` with an empty cache. */
async function fullLogits(session: ort.InferenceSession, d: TinyDecoder, ids: number[]): Promise<number[][]> {
  const out = await step(session, ids, 0, pasts(d, 0));
  return out.rows;
}

function pasts(d: TinyDecoder, length: number): Record<string, ort.Tensor> {
  const { layers, kvHeads, headSize } = d.shape;
  const feeds: Record<string, ort.Tensor> = {};
  for (let l = 0; l < layers; l++)
    for (const kind of ['key', 'value'])
      feeds[`past_key_values.${l}.${kind}`] = new ort.Tensor(
        'float32',
        new Float32Array(kvHeads * length * headSize),
        [1, kvHeads, length, headSize],
      );
  return feeds;
}

/** Runs `fresh` ids after `cached` ones; in share-buffer mode the past tensors double as present fetches. */
async function step(
  session: ort.InferenceSession,
  fresh: number[],
  cached: number,
  past: Record<string, ort.Tensor>,
  mode: Mode = 'growing',
) {
  const total = cached + fresh.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(fresh, BigInt), [1, fresh.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    ...past,
  };
  if (session.inputNames.includes('position_ids'))
    feeds.position_ids = new ort.Tensor(
      'int64',
      BigInt64Array.from(fresh, (_, i) => BigInt(cached + i)),
      [1, fresh.length],
    );
  const presentName = (name: string) => name.replace('past_key_values', 'present');
  const fetches: Record<string, ort.Tensor | null> = { logits: null };
  if (mode === 'share-buffer') for (const [name, t] of Object.entries(past)) fetches[presentName(name)] = t;
  const out = await session.run(feeds, mode === 'share-buffer' ? fetches : undefined);
  const next = mode === 'share-buffer' ? past : {};
  if (mode === 'growing') for (const name of Object.keys(past)) next[name] = out[presentName(name)]!;
  const logits = out.logits!;
  const width = logits.dims.at(-1)!;
  const data = logits.data as Float32Array;
  const rows = Array.from({ length: fresh.length }, (_, i) =>
    Array.from(data.subarray(i * width, (i + 1) * width)),
  );
  return { rows, next };
}

/** The largest difference relative to max(1, |b|) (padded phi3 logits sit near −10000). */
const maxDiff = (a: number[], b: number[]) =>
  Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.max(1, Math.abs(b[i]!))));

/** The cache modes a layout must agree with its full forward pass in. */
function cacheSuite(name: string, d: TinyDecoder, modes: Mode[]) {
  describe(name, () => {
    let session: ort.InferenceSession;
    beforeAll(async () => {
      session = await ort.InferenceSession.create(d.files[d.modelFile] as Uint8Array);
    });
    afterAll(() => session.release());
    const prompt = [10, 3, 20, 41, 7];
    const sequence = [...prompt, 12, 30, 5, 44, 9, 18];

    it('full forward logits equal the JS reference at the last position', async () => {
      for (const n of [1, 4, sequence.length]) {
        const rows = await fullLogits(session, d, sequence.slice(0, n));
        expect(rows[n - 1]!.length).toBe(d.shape.vocabSize);
        expect(maxDiff(rows[n - 1]!, d.lastLogits(sequence.slice(0, n)))).toBeLessThan(1e-4);
      }
    });

    for (const mode of modes)
      it(`prefill plus cached steps equal the full forward pass (${mode} KV)`, async () => {
        const full = await fullLogits(session, d, sequence);
        let past = pasts(d, mode === 'share-buffer' ? d.shape.maxPositions : 0);
        let { rows, next } = await step(session, prompt, 0, past, mode);
        const got = [...rows];
        for (let t = prompt.length; t < sequence.length; t++) {
          past = next;
          ({ rows, next } = await step(session, [sequence[t]!], t, past, mode));
          got.push(...rows);
        }
        expect(got).toHaveLength(full.length);
        for (let t = 0; t < full.length; t++) expect(maxDiff(got[t]!, full[t]!)).toBeLessThan(1e-4);
      });

    it('greedy decoding with the cache equals the JS greedy reference', async () => {
      let { rows, next } = await step(session, prompt, 0, pasts(d, 0));
      const generated: number[] = [];
      while (generated.length < 12) {
        const logits = rows.at(-1)!;
        const id = logits.indexOf(Math.max(...logits));
        generated.push(id);
        if (d.eosTokenIds.includes(id)) break;
        ({ rows, next } = await step(session, [id], prompt.length + generated.length - 1, next));
      }
      expect(generated).toEqual(d.greedy(prompt, 12));
    });
  });
}

const phi3 = createTinyDecoder({ layout: 'phi3' });
cacheSuite('phi3 layout (GroupQueryAttention, MatMulNBits)', phi3, ['growing', 'share-buffer']);
cacheSuite(
  'optimum layout with layers, MLP, RMSNorm and a bigger vocabulary',
  createTinyDecoder({
    layers: 3,
    heads: 4,
    headSize: 8,
    intermediateSize: 48,
    rmsNorm: true,
    vocabExtra: 100,
  }),
  ['growing'],
);
cacheSuite(
  'phi3 layout with more layers and a bigger vocabulary',
  createTinyDecoder({ layout: 'phi3', layers: 3, heads: 6, kvHeads: 2, headSize: 16, vocabExtra: 300 }),
  ['growing', 'share-buffer'],
);

describe('optimum layout defaults', () => {
  it("are byte for byte the original tiny decoder, which other packages' tests are written against", () => {
    const d = createTinyDecoder();
    const digest = createHash('sha256');
    for (const [path, contents] of Object.entries(d.files)) digest.update(path).update(contents);
    expect(digest.digest('hex')).toBe('1307c74a21ae1beda8546cc08733f0a6a91b2b3ed00eb85603daf3761c478c3f');
    const { vocab } = d;
    const prompt = [vocab['<|user|>']!, vocab.hello!, vocab.cat!, vocab['<|assistant|>']!];
    expect(d.greedy(prompt, 10)).toEqual([38, 2, 61, 28, 51, 31, 6, 16, 53, 0]);
    expect(d.modelFile).toBe('onnx/model.onnx');
    expect(d.eosTokenIds).toEqual([d.eosTokenId]);
  });
});

describe('phi3 layout files', () => {
  it("look like ONNX Runtime GenAI's Phi-3-mini int4 folder", async () => {
    expect(Object.keys(phi3.files).sort()).toEqual(
      [
        'config.json',
        'genai_config.json',
        PHI3_MODEL_FILE,
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ].sort(),
    );
    const genai = JSON.parse(phi3.files['genai_config.json'] as string);
    const { vocab } = phi3;
    expect(genai.model.type).toBe('phi3');
    expect(genai.model.decoder.filename).toBe(PHI3_MODEL_FILE);
    expect(genai.model.decoder.inputs.position_ids).toBeUndefined();
    expect(genai.model.eos_token_id).toEqual([
      vocab['<|endoftext|>'],
      vocab['<|assistant|>'],
      vocab['<|end|>'],
    ]);
    expect(genai.model.pad_token_id).toBe(vocab['<|endoftext|>']);
    expect(genai.search).toMatchObject({ past_present_share_buffer: true, top_k: 1, do_sample: false });
    // Logits are padded past the tokenizer's last id to a multiple of 8.
    const size = Object.keys(vocab).length;
    expect(Math.max(...Object.values(vocab))).toBe(size - 1);
    expect(genai.model.vocab_size).toBe(phi3.shape.vocabSize);
    expect(phi3.shape.vocabSize % 8).toBe(0);
    expect(phi3.shape.vocabSize).toBeGreaterThan(size);
    const session = await ort.InferenceSession.create(phi3.files[PHI3_MODEL_FILE] as Uint8Array);
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      ...Array.from({ length: phi3.shape.layers }, (_, l) => [
        `past_key_values.${l}.key`,
        `past_key_values.${l}.value`,
      ]).flat(),
    ]);
    await session.release();
    const graph = new TextDecoder().decode(phi3.files[PHI3_MODEL_FILE] as Uint8Array);
    for (const op of ['GroupQueryAttention', 'MatMulNBits', 'com.microsoft']) expect(graph).toContain(op);
    expect(graph).not.toContain('position_ids');
    const template = JSON.parse(phi3.files['tokenizer_config.json'] as string).chat_template as string;
    expect(template).toContain("'<|assistant|>\n'");
  });

  it('rejects sizes the layouts cannot build', () => {
    expect(() => createTinyDecoder({ kvHeads: 1 })).toThrow(/kvHeads = heads/);
    expect(() => createTinyDecoder({ layout: 'phi3', heads: 4, kvHeads: 3, headSize: 16 })).toThrow(
      /multiple of kvHeads/,
    );
    expect(() => createTinyDecoder({ heads: 3, hiddenSize: 16 })).toThrow(/multiple of heads/);
  });
});

describe('quantizeInt4', () => {
  it("packs MatMulNBits' layout: per column and block, even k in the low nibble, zero point 8", () => {
    // K = 3 (one padded block), N = 2: column 0 is [7, -7, 0] → scale 1; column 1 is all zero.
    const q = quantizeInt4(Float32Array.of(7, 0, -7, 0, 0, 0), 3, 2);
    expect(q.blocks).toBe(1);
    expect(Array.from(q.scales)).toEqual([1, 0]);
    expect(q.packed[0]).toBe(15 | (1 << 4));
    expect(q.packed[1]).toBe(8 | (8 << 4));
    expect(q.packed[16]).toBe(0x88);
    expect(Array.from(q.dequantized)).toEqual([7, 0, -7, 0, 0, 0]);
  });
});
