import { createTinyDecoder } from '@flowline/testkit';
import { describe, expect, it } from 'vitest';
import { compileGuidance, vocabularyOf } from '../src/guidance/index.js';
import { Generator, GeneratorParams, Tokenizer } from '../src/index.js';
import { useDecoder } from './helpers.js';

const decoder = createTinyDecoder({ layout: 'phi3', vocabExtra: 300 });
const lm = useDecoder(decoder);

describe('guidance vocabulary of a real tokenizer', () => {
  it('gives each id its text as decoded after another token; specials and padding get ""', () => {
    const v = decoder.vocab;
    const vocabSize = decoder.shape.vocabSize;
    const vocab = vocabularyOf(lm.tokenizer, vocabSize, decoder.eosTokenIds);
    expect(vocab.tokens).toHaveLength(vocabSize);
    expect(vocab.tokens[v.hello!]).toBe(' hello');
    expect(vocab.tokens[v['##b']!]).toBe('b');
    for (const special of ['<s>', '</s>', '<|end|>', '<|user|>']) expect(vocab.tokens[v[special]!]).toBe('');
    expect(vocab.tokens[vocabSize - 1]).toBe(''); // a padded logit id, past the tokenizer
    expect(vocabularyOf(lm.tokenizer, vocabSize, decoder.eosTokenIds)).toBe(vocab);
  });

  it('maps byte-level BPE Ġ and SentencePiece ▁ pieces to their leading space', () => {
    const bpe = new Tokenizer({
      version: '1.0',
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', vocab: { a: 0, b: 1, Ġ: 2, Ġa: 3, '{': 4, 'Ġ{': 5 }, merges: ['Ġ a', 'Ġ {'] },
    });
    expect(vocabularyOf(bpe, 6, []).tokens).toEqual(['a', 'b', ' ', ' a', '{', ' {']);
    const sp = new Tokenizer({
      version: '1.0',
      added_tokens: [
        {
          id: 0,
          content: '<unk>',
          special: true,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
        },
      ],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      post_processor: null,
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      model: {
        type: 'Unigram',
        unk_id: 0,
        vocab: [
          ['<unk>', 0],
          ['▁a', -1],
          ['a', -1],
          ['▁hi', -1],
          ['"', -1],
        ],
      },
    });
    expect(vocabularyOf(sp, 5, []).tokens).toEqual(['', ' a', 'a', ' hi', '"']);
  });

  it('constrains the tiny model through getLogits/setLogits to a regex over its words', async () => {
    const vocab = vocabularyOf(lm.tokenizer, decoder.shape.vocabSize, decoder.eosTokenIds);
    const pattern = '( (hello|world|cat|sat)){2,4}';
    const params = new GeneratorParams(lm.model);
    params.setSearchOptions({ max_length: 64 });
    const generator = new Generator(lm.model, params);
    generator.appendTokens(lm.promptIds('hello'));
    const state = compileGuidance('regex', pattern, vocab).start();
    const ids: number[] = [];
    while (!generator.isDone() && !state.isDone()) {
      const logits = (await generator.getLogits()).data as Float32Array;
      state.mask(logits);
      generator.setLogits(logits);
      await generator.generateNextToken();
      const [token] = generator.getNextTokens();
      state.advance(token!);
      if (decoder.eosTokenIds.includes(token!)) break;
      ids.push(token!);
    }
    expect(state.isComplete()).toBe(true);
    expect(` ${lm.tokenizer.decode(ids)}`).toMatch(new RegExp(`^(?:${pattern})$`));
  });
});
