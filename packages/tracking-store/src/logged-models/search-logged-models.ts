import {
  decodePageToken,
  encodePageToken,
  type LoggedModel,
  MlflowError,
  type Page,
  queryFingerprint,
  type SearchLoggedModelsOptions,
  validateMaxResults,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { experimentKey } from '../experiments.js';
import { checkDatasetFilters, compileLoggedModelSearch } from '../search/logged-model-query.js';
import { hydrateModels } from './model-rows.js';
import { loggedModelDb } from './tables.js';

/** MLflow's logged-model search default (the proto's 50); the store refuses more than 50000. */
export const DEFAULT_SEARCH_LOGGED_MODELS_RESULTS = 50;
export const MAX_SEARCH_LOGGED_MODELS_RESULTS = 50_000;

/**
 * Searches logged models (MLflow's `search_logged_models`): filter grammar of `search_logged_model_utils`,
 * `datasets`, order-by items, offset page tokens bound to the query; a next token only when more models follow.
 */
export async function searchLoggedModels(
  ctx: StoreContext,
  options: SearchLoggedModelsOptions,
): Promise<Page<LoggedModel>> {
  if (!Array.isArray(options?.experimentIds)) {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'experiment_ids'.`);
  }
  const maxResults = validateMaxResults(
    options.maxResults,
    MAX_SEARCH_LOGGED_MODELS_RESULTS,
    DEFAULT_SEARCH_LOGGED_MODELS_RESULTS,
  );
  const experimentIds = options.experimentIds.map(String);
  const datasets = checkDatasetFilters(options.datasets);
  const fingerprint = queryFingerprint([
    'logged-models',
    experimentIds,
    options.filter ?? '',
    datasets,
    options.orderBy ?? [],
  ]);
  const offset = decodePageToken(options.pageToken, fingerprint, 'filter, datasets, order or experiments');
  const keys = experimentIds.map(experimentKey).filter((k): k is number => k !== null);
  // Parse the filter and order even when there is nothing to search, so mistakes are reported.
  const query = compileLoggedModelSearch(ctx, {
    experimentIds: keys.length > 0 ? keys : [-1],
    filter: options.filter,
    datasets,
    orderBy: options.orderBy,
  });
  if (keys.length === 0) return { items: [] };
  const rows = await query
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  const items = await hydrateModels(loggedModelDb(ctx), rows.slice(0, maxResults));
  return rows.length > maxResults
    ? { items, nextPageToken: encodePageToken(offset + maxResults, fingerprint) }
    : { items };
}
