import {
  type LoggedModel,
  MlflowError,
  type Page,
  queryFingerprint,
  type SearchLoggedModelsOptions,
  validateMaxResults,
} from '@flowline/core';
import type { StoreContext } from '../context.js';
import { searchExperimentPage } from '../search/experiment-page.js';
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
  return searchExperimentPage({
    experimentIds,
    maxResults,
    fingerprint,
    pageToken: options.pageToken,
    changed: 'filter, datasets, order or experiments',
    compile: (keys) =>
      compileLoggedModelSearch(ctx, {
        experimentIds: keys,
        filter: options.filter,
        datasets,
        orderBy: options.orderBy,
      }),
    hydrate: (rows) => hydrateModels(loggedModelDb(ctx), rows),
  });
}
