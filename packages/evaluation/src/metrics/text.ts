import { l as rougeLcs, n as rougeN } from 'js-rouge';

/** Per-row scores of one metric and the aggregates logged for it (MLflow's `MetricValue`). */
export interface MetricValue {
  scores?: number[];
  aggregates?: Record<string, number>;
}

/**
 * Tokens as Google's rouge_score (HF `evaluate`'s "rouge") reads text: lower-cased runs of letters and
 * digits, everything else a separator.
 */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Whitespace-separated tokens: Flowline's `token_count` (MLflow counts tiktoken cl100k_base tokens). */
export function whitespaceTokenCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The ROUGE variants MLflow's text-summarization logs. */
export type RougeVariant = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

/**
 * One ROUGE F-measure via js-rouge: rouge1/rouge2 over n-grams, rougeL over the LCS of the whole text,
 * rougeLsum over the union LCS of its lines (as rouge_score splits summaries on newlines).
 */
export function rougeScore(variant: RougeVariant, prediction: string, target: string): number {
  if (rougeTokens(prediction).length === 0 || rougeTokens(target).length === 0) return 0;
  const tokenizer = rougeTokens;
  switch (variant) {
    case 'rouge1':
      return rougeN(prediction, target, { n: 1, tokenizer });
    case 'rouge2':
      return rougeN(prediction, target, { n: 2, tokenizer });
    case 'rougeL':
      return rougeLcs(prediction, target, { tokenizer, segmenter: (text) => [text] });
    case 'rougeLsum':
      return rougeLcs(prediction, target, {
        tokenizer,
        segmenter: (text) => text.split('\n').filter((line) => rougeTokens(line).length > 0),
      });
  }
}

/** MLflow's `exact_match/v1`: the fraction of rows whose prediction equals the target (as text). */
export function exactMatch(predictions: unknown[], targets: unknown[]): number {
  const same = predictions.filter((p, i) => String(p) === String(targets[i])).length;
  return same / predictions.length;
}
