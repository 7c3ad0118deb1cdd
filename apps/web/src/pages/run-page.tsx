import { useEffect, useMemo } from 'react';
import { artifactUrl } from '../api/client.js';
import {
  deleteRunTag,
  getExperiment,
  getRun,
  listArtifacts,
  searchVersions,
  setRunTag,
  tagOf,
} from '../api/endpoints.js';
import type { Run } from '../api/types.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { DetailHead, tabOf } from '../components/detail-head.js';
import { EditableText } from '../components/editable-text.js';
import { Link } from '../components/link.js';
import { MetricGrid } from '../components/metric-panel.js';
import { RunActions } from '../components/run-actions.js';
import { RunLoggedModels } from '../components/run-logged-models.js';
import { RunName } from '../components/run-name.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { TagEditor } from '../components/tag-editor.js';
import { RunTraces } from '../components/trace-run-list.js';
import { StatusCell } from '../lib/columns.js';
import { formatDuration, formatTime, formatValue } from '../lib/format.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { PARENT_TAG } from '../lib/run-tree.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import { EvaluationTab } from './evaluation-tab.js';

const TABS = [
  'overview',
  'params',
  'metrics',
  'artifacts',
  'datasets',
  'models',
  'traces',
  'evaluation',
] as const;
const NOTE = 'mlflow.note.content';

/** One run: overview, params, metric charts, artifacts, datasets, models, traces and evaluation results (tab in the URL). */
export function RunPage({ runId, location }: { runId: string; location: Location }) {
  const run = useAsync((signal) => getRun(runId, signal), [runId]);
  const experimentId = run.data?.info.experiment_id;
  const experiment = useAsync(
    async (signal) => (experimentId === undefined ? undefined : getExperiment(experimentId, signal)),
    [experimentId],
  );
  // `/runs/<id>` (the registry links there, not knowing the experiment) and a run under the wrong experiment
  // move to the run's own URL, as MLflow's direct run links do, so the sidebar ticks its experiment.
  const loaded = run.data?.info.run_id === runId ? run.data : undefined;
  const canonical = loaded
    ? `/experiments/${loaded.info.experiment_id}/runs/${encodeURIComponent(runId)}`
    : undefined;
  useEffect(() => {
    if (canonical !== undefined && location.path !== canonical) {
      navigate(hrefWith({ ...location, path: canonical }, {}), { replace: true });
    }
  }, [canonical, location]);
  const tab = tabOf(location, TABS);
  if (run.error) return <ErrorBox error={run.error} />;
  if (!run.data) return <Loading what="Loading run" />;
  const r = run.data;
  const name = r.info.run_name || r.info.run_id;
  return (
    <section className="run-page" aria-label={`Run ${name}`}>
      <DetailHead
        experimentId={r.info.experiment_id}
        experimentHref={`/experiments/${r.info.experiment_id}`}
        experiment={experiment.data}
        title={name}
        status={
          <>
            <StatusCell status={r.info.status} />
            <RunActions run={r} onChanged={run.reload} />
          </>
        }
        tabs={TABS}
        location={location}
      />
      <div role="tabpanel">
        {tab === 'overview' ? <Overview run={r} onSaved={run.reload} /> : null}
        {tab === 'params' ? (
          <KeyValueTable
            rows={(r.data.params ?? []).map((p) => [p.key, p.value ?? ''])}
            empty="No parameters."
          />
        ) : null}
        {tab === 'metrics' ? <Metrics run={r} location={location} /> : null}
        {tab === 'artifacts' ? (
          <ArtifactBrowser
            source={{
              id: r.info.run_id,
              list: (path) => listArtifacts(r.info.run_id, path),
              fileUrl: (path) => artifactUrl(r.info.run_id, path),
            }}
            label="Artifacts"
            empty="No artifacts recorded for this run."
            selected={location.query.get('artifact') ?? undefined}
            onSelect={(path) => navigate(hrefWith(location, { artifact: path }), { replace: true })}
          />
        ) : null}
        {tab === 'datasets' ? <Datasets run={r} /> : null}
        {tab === 'models' ? <Models run={r} /> : null}
        {tab === 'traces' ? <RunTraces experimentId={r.info.experiment_id} runId={r.info.run_id} /> : null}
        {tab === 'evaluation' ? <EvaluationTab run={r} location={location} /> : null}
      </div>
    </section>
  );
}

function Overview({ run, onSaved }: { run: Run; onSaved: () => void }) {
  const tags = run.data.tags ?? [];
  const parent = tagOf(tags, PARENT_TAG);
  const userTags = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const source = tagOf(tags, 'mlflow.source.name');
  const commit = tagOf(tags, 'mlflow.source.git.commit');
  return (
    <div className="overview">
      <dl className="facts">
        <dt>Run ID</dt>
        <dd>
          <code>{run.info.run_id}</code>
        </dd>
        <dt>Status</dt>
        <dd>{run.info.status}</dd>
        <dt>Started</dt>
        <dd>{formatTime(run.info.start_time)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(run.info.end_time) || (run.info.status === 'RUNNING' ? 'Still running' : '—')}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(run.info.start_time, run.info.end_time)}</dd>
        <dt>User</dt>
        <dd>{run.info.user_id || '—'}</dd>
        <dt>Source</dt>
        <dd>
          {source ? <code title={source}>{source}</code> : '—'}
          {commit ? (
            <>
              {' '}
              <span className="muted">at</span> <code title={commit}>{commit.slice(0, 8)}</code>
            </>
          ) : null}
        </dd>
        {parent ? (
          <>
            <dt>Parent run</dt>
            <dd>
              <Link href={`/experiments/${run.info.experiment_id}/runs/${parent}`}>
                <RunName runId={parent} />
              </Link>
            </dd>
          </>
        ) : null}
        <dt>Artifact URI</dt>
        <dd>
          <code>{run.info.artifact_uri}</code>
        </dd>
      </dl>
      <Description run={run} onSaved={onSaved} />
      <h3>Tags</h3>
      <RunTags run={run} tags={userTags} onSaved={onSaved} />
    </div>
  );
}

// MLflow's own `mlflow.*` tags (source, user, notes, parent) stay out of the editor, as MLflow's UI hides them.
function RunTags({ run, tags, onSaved }: { run: Run; tags: Run['data']['tags']; onSaved: () => void }) {
  const access = useAccess([run.info.experiment_id]);
  return (
    <TagEditor
      tags={tags ?? []}
      readOnly={!access.experiment(run.info.experiment_id).update}
      onSet={async (key, value) => {
        await setRunTag(run.info.run_id, key, value);
        onSaved();
      }}
      onDelete={async (key) => {
        await deleteRunTag(run.info.run_id, key);
        onSaved();
      }}
    />
  );
}

function Description({ run, onSaved }: { run: Run; onSaved: () => void }) {
  const access = useAccess([run.info.experiment_id]);
  return (
    <EditableText
      readOnly={!access.experiment(run.info.experiment_id).update}
      label="Description"
      value={tagOf(run.data.tags, NOTE) ?? ''}
      rows={5}
      empty="No description."
      inlineErrors
      onSave={async (draft) => {
        await setRunTag(run.info.run_id, NOTE, draft);
        onSaved();
      }}
    />
  );
}

/** A two-column key/value table. */
export function KeyValueTable({ rows, empty }: { rows: [string, string][]; empty: string }) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table className="data-table kv">
      <thead>
        <tr>
          <th>Key</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Metrics({ run, location }: { run: Run; location: Location }) {
  const metrics = run.data.metrics ?? [];
  const runIds = useMemo(() => [run.info.run_id], [run.info.run_id]);
  const labels = useMemo(() => ({ [run.info.run_id]: run.info.run_name ?? run.info.run_id }), [run.info]);
  if (metrics.length === 0) return <Empty>No metrics logged.</Empty>;
  const keys = metrics.map((m) => m.key).sort((a, b) => a.localeCompare(b));
  return (
    <div className="metrics">
      <KeyValueTable
        rows={[...metrics]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((m) => [m.key, `${formatValue(m.value)} (step ${m.step})`])}
        empty="No metrics."
      />
      <MetricGrid keys={keys} runIds={runIds} labels={labels} location={location} />
    </div>
  );
}

function Datasets({ run }: { run: Run }) {
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length === 0) return <Empty>No datasets logged.</Empty>;
  return (
    <table className="data-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Digest</th>
          <th>Context</th>
          <th>Source type</th>
          <th>Source</th>
        </tr>
      </thead>
      <tbody>
        {inputs.map((d) => (
          <tr key={`${d.dataset.name}-${d.dataset.digest}`}>
            <td>{d.dataset.name}</td>
            <td>
              <code>{d.dataset.digest}</code>
            </td>
            <td>{tagOf(d.tags, 'mlflow.data.context') ?? ''}</td>
            <td>{d.dataset.source_type}</td>
            <td>
              <code>{d.dataset.source}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Models({ run }: { run: Run }) {
  const history = useMemo(() => {
    try {
      const parsed = JSON.parse(tagOf(run.data.tags, 'mlflow.log-model.history') ?? '[]');
      return Array.isArray(parsed)
        ? (parsed as {
            artifact_path?: string;
            flavors?: Record<string, unknown>;
            utc_time_created?: string;
          }[])
        : [];
    } catch {
      return [];
    }
  }, [run.data.tags]);
  const versions = useAsync(() => searchVersions(`run_id='${run.info.run_id}'`), [run.info.run_id]);
  return (
    <div className="models">
      <h3>Logged models</h3>
      <RunLoggedModels run={run} />
      <h3>Model folders in the run's artifacts</h3>
      {history.length === 0 ? (
        <Empty>No model folders logged by this run.</Empty>
      ) : (
        <ul>
          {history.map((m) => (
            <li key={`${m.artifact_path}-${m.utc_time_created}`}>
              <Link href={`?tab=artifacts&artifact=${encodeURIComponent(`${m.artifact_path}/MLmodel`)}`}>
                {m.artifact_path}
              </Link>{' '}
              <span className="muted">{Object.keys(m.flavors ?? {}).join(', ')}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Registered versions</h3>
      {versions.error ? <ErrorBox error={versions.error} /> : null}
      {versions.data?.length === 0 ? <Empty>No registered versions come from this run.</Empty> : null}
      <ul>
        {versions.data?.map((v) => (
          <li key={`${v.name}-${v.version}`}>
            <Link href={`/models/${encodeURIComponent(v.name)}/versions/${v.version}`}>
              {v.name} version {v.version}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
