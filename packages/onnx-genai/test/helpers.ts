import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll } from 'vitest';
import { Model, Tokenizer } from '../src/index.js';

/** A testkit decoder written to a temp folder and loaded for one test file (or describe block). */
export interface LoadedDecoder {
  model: Model;
  tokenizer: Tokenizer;
  /** A user turn through the chat template, encoded. */
  promptIds(text: string): number[];
  /** The reference's greedy continuation, without its final eos (not part of a sequence). */
  greedyTail(prompt: number[], steps: number): number[];
}

/** Writes `decoder`'s folder before the tests, loads its model and tokenizer, and removes it after. */
export function useDecoder(decoder: TinyDecoder): LoadedDecoder {
  let dir: string;
  const eos = new Set(decoder.eosTokenIds);
  const loaded = {
    promptIds: (text: string) =>
      loaded.tokenizer.encode(loaded.tokenizer.applyChatTemplate([{ role: 'user', content: text }])),
    greedyTail: (prompt: number[], steps: number) =>
      decoder.greedy(prompt, steps).filter((id) => !eos.has(id)),
  } as LoadedDecoder;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowline-genai-'));
    const folder = await writeModelFiles(join(dir, 'lm'), decoder.files);
    loaded.model = await Model.load(folder);
    loaded.tokenizer = await Tokenizer.fromFolder(folder);
  });
  afterAll(async () => {
    await loaded.model?.close();
    await rm(dir, { recursive: true, force: true });
  });
  return loaded;
}

/** Log-softmax of reference logits, computed plainly (a check independent of the package's own). */
export function referenceLogProbs(logits: number[]): number[] {
  const max = Math.max(...logits);
  const log = Math.log(logits.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
  return logits.map((v) => v - log);
}

/**
 * Brute force over two new tokens: every first token among the `count` most likely (eos left out),
 * then every second token (eos left out), best total log-probability first. This is exactly what beam
 * search with `count` beams returns for two steps with eos masked.
 */
export async function bestTwoTokenContinuations(
  prompt: number[],
  count: number,
  logProbs: (ids: number[]) => number[] | Promise<number[]>,
  eos: ReadonlySet<number>,
): Promise<number[][]> {
  const first = (await logProbs(prompt))
    .map((lp, token) => ({ lp, token }))
    .filter((c) => !eos.has(c.token))
    .sort((a, b) => b.lp - a.lp)
    .slice(0, count);
  const pairs: { tokens: number[]; score: number }[] = [];
  for (const c of first)
    for (const [token, lp] of (await logProbs([...prompt, c.token])).entries())
      if (!eos.has(token)) pairs.push({ tokens: [...prompt, c.token, token], score: c.lp + lp });
  pairs.sort((a, b) => b.score - a.score);
  return pairs.slice(0, count).map((p) => p.tokens);
}
