import { automatedReadability } from 'automated-readability';
import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';

/** The counts the readability grades take, as textstat (MLflow's readability library) counts them. */
export interface TextCounts {
  /** Words: whitespace-separated runs once punctuation is removed. */
  words: number;
  /** Sentences: runs ending in `.`, `!` or `?`, not counting those of two words or fewer; at least 1. */
  sentences: number;
  /** Characters other than whitespace, punctuation included. */
  characters: number;
  /** Syllables of the words (`syllable`, an English syllable counter; textstat uses hyphenation). */
  syllables: number;
}

function words(text: string): string[] {
  return text
    .replace(/[\p{P}\p{S}]/gu, '')
    .split(/\s+/)
    .filter(Boolean);
}

/** Counts words, sentences, characters and syllables of a text. */
export function textCounts(text: string): TextCounts {
  const list = words(text);
  const sentences = text.match(/[^.!?]*[\p{L}\p{N}][^.!?]*[.!?]*/gu) ?? [];
  const short = sentences.filter((s) => words(s).length <= 2).length;
  return {
    words: list.length,
    sentences: Math.max(1, sentences.length - short),
    characters: text.replace(/\s/g, '').length,
    syllables: list.reduce((total, w) => total + syllable(w), 0),
  };
}

/** Rounded to one decimal, as textstat reports grades. */
const oneDecimal = (n: number) => Math.round(n * 10) / 10;

/**
 * MLflow's `flesch_kincaid_grade_level` for one text (via the `flesch-kincaid` formula): the US school grade
 * needed to read it; 0 for a text without words.
 */
export function fleschKincaidGrade(text: string): number {
  const c = textCounts(text);
  if (c.words === 0) return 0;
  return oneDecimal(fleschKincaid({ sentence: c.sentences, word: c.words, syllable: c.syllables }));
}

/** MLflow's `ari_grade_level` for one text (the Automated Readability Index); 0 for a text without words. */
export function automatedReadabilityGrade(text: string): number {
  const c = textCounts(text);
  if (c.words === 0) return 0;
  return oneDecimal(automatedReadability({ sentence: c.sentences, word: c.words, character: c.characters }));
}
