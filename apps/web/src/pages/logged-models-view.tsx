import { type LoggedModelJson, searchLoggedModels } from '../api/logged-models.js';
import type { Experiment } from '../api/types.js';
import { ExperimentHead } from '../components/experiment-head.js';
import { FilterBox } from '../components/filter-box.js';
import { LoggedModelTable } from '../components/logged-model-table.js';
import { Empty, ErrorBox, errorMessage, LoadMore } from '../components/states.js';
import { listQuery } from '../lib/list-query.js';
import type { Location } from '../lib/router.js';
import { type Page, type PageQuery, usePages } from '../lib/use-pages.js';
import './logged-models.css';

/** Filters MLflow's logged-model grammar takes, offered as examples under the box. */
export const LOGGED_MODEL_FILTER_EXAMPLES = [
  'metrics.accuracy > 0.9',
  "params.lr = '0.01'",
  "name LIKE 'clf%'",
  "status = 'READY'",
  "tags.team = 'search'",
] as const;

const DEFAULT_ORDER = 'creation_timestamp_ms DESC';

const searchPage = async (query: PageQuery): Promise<Page<LoggedModelJson>> => {
  const page = await searchLoggedModels(query);
  return { items: page.models, nextPageToken: page.nextPageToken };
};
const modelId = (m: LoggedModelJson) => m.info.model_id;

/** Props of the Models tab. */
export interface LoggedModelsViewProps {
  experimentIds: string[];
  experiments: Experiment[];
  location: Location;
}

/**
 * The logged models of one or more experiments (MLflow 3's Models tab): MLflow's logged-model filter in
 * `q` (comparisons joined by AND), the server's `order_by` in `order`, pages by the server's tokens.
 */
export function LoggedModelsView({ experimentIds, experiments, location }: LoggedModelsViewProps) {
  const { filter, order, sort, update, onSort } = listQuery(location, {
    defaultOrder: DEFAULT_ORDER,
    descendingFirst: (key) => key !== 'name',
  });
  const pages = usePages(searchPage, experimentIds, filter, order, { pageSize: 50, idOf: modelId });
  const error = errorMessage(pages.error);
  return (
    <section className="logged-models-view" aria-label="Logged models">
      <ExperimentHead experimentIds={experimentIds} experiments={experiments} active="models" pages={pages} />
      <div className="toolbar">
        <FilterBox
          value={filter}
          error={filter ? error : undefined}
          onSubmit={(q) => update({ q: q || null })}
          label="Filter models"
          className="model-search"
          errorId="model-filter-error"
          placeholder="metrics.accuracy > 0.9 AND params.lr = '0.01'"
          examples={{ id: 'model-filter-help', filters: LOGGED_MODEL_FILTER_EXAMPLES }}
        />
      </div>
      {pages.error && !filter ? <ErrorBox error={pages.error} /> : null}
      {!pages.loading && !pages.error && pages.items.length === 0 ? (
        <Empty>{filter ? 'No models match this filter.' : 'No models logged in this experiment yet.'}</Empty>
      ) : null}
      {pages.items.length > 0 ? <LoggedModelTable models={pages.items} sort={sort} onSort={onSort} /> : null}
      <LoadMore pages={pages} what="models" />
    </section>
  );
}
