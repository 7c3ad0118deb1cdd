import { decodePageToken, encodePageToken, type Page } from '@flowline/core';
import { experimentKey } from '../experiments.js';

/** A compiled search query that can be paged with limit and offset (a Kysely select). */
export interface PagedQuery<Row> {
  limit(limit: number): { offset(offset: number): { execute(): Promise<Row[]> } };
}

/** What `searchExperimentPage` needs: a validated page size, the query's fingerprint and how to run it. */
export interface ExperimentPageOptions<Row, Item> {
  experimentIds: readonly string[];
  maxResults: number;
  fingerprint: string;
  pageToken: string | undefined | null;
  /** Names what a page token is bound to, for the error when the query changed between pages. */
  changed?: string;
  compile(experimentKeys: number[]): PagedQuery<Row>;
  hydrate(rows: Row[]): Promise<Item[]>;
}

/**
 * Runs one page of a search scoped to experiments: offset page tokens bound to the query, a next token only
 * when more items follow. The query is compiled even when no experiment id is valid, so filter and order
 * mistakes are still reported.
 */
export async function searchExperimentPage<Row, Item>(
  options: ExperimentPageOptions<Row, Item>,
): Promise<Page<Item>> {
  const { maxResults, fingerprint } = options;
  const offset = decodePageToken(options.pageToken, fingerprint, options.changed);
  const keys = options.experimentIds.map(experimentKey).filter((k): k is number => k !== null);
  const query = options.compile(keys.length > 0 ? keys : [-1]);
  if (keys.length === 0) return { items: [] };
  const rows = await query
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  const items = await options.hydrate(rows.slice(0, maxResults));
  return rows.length > maxResults
    ? { items, nextPageToken: encodePageToken(offset + maxResults, fingerprint) }
    : { items };
}
