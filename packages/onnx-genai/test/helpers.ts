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
