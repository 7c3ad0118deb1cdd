import { useState } from 'react';
import { getExperiment } from '../api/endpoints.js';
import {
  getLoggedModel,
  type LoggedModelJson,
  linkedRunIds,
  listLoggedModelArtifacts,
  loggedModelArtifactUrl,
  registeredVersions,
} from '../api/logged-models.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { DetailHead, tabOf } from '../components/detail-head.js';
import { Link } from '../components/link.js';
import { LoggedModelStatus } from '../components/logged-model-table.js';
import { RegisterModelButton } from '../components/register-model-dialog.js';
import { RunName } from '../components/run-name.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatTime, formatValue } from '../lib/format.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import './logged-models.css';

const TABS = ['overview', 'artifacts'] as const;

/** Props of the logged-model page. */
export interface LoggedModelPageProps {
  experimentId: string;
  modelId: string;
  location: Location;
}

/**
 * One MLflow 3 logged model: its id, status, artifact location and source run; params, metrics (with their
 * dataset and run), tags, linked runs and registered versions; and its files (tab in the URL).
 */
export function LoggedModelPage({ experimentId, modelId, location }: LoggedModelPageProps) {
  const model = useAsync((signal) => getLoggedModel(modelId, signal), [modelId]);
  const experiment = useAsync((signal) => getExperiment(experimentId, signal), [experimentId]);
  const tab = tabOf(location, TABS);
  // Bumped by a registration, so the registered versions are read again.
  const [registrations, setRegistrations] = useState(0);
  if (model.error) return <ErrorBox error={model.error} />;
  if (!model.data) return <Loading what="Loading model" />;
  const m = model.data;
  const expId = m.info.experiment_id;
  return (
    <section className="logged-model-page" aria-label={`Logged model ${m.info.name}`}>
      <DetailHead
        experimentId={expId}
        experimentHref={`/experiments/${expId}/models`}
        experiment={experiment.data}
        title={m.info.name}
        status={
          <>
            <LoggedModelStatus status={m.info.status} />
            <span className="head-actions">
              {/* MLflow 3 registers a logged model by its id: source models:/<model_id>, with model_id. */}
              <RegisterModelButton
                from={{
                  source: `models:/${m.info.model_id}`,
                  modelId: m.info.model_id,
                  runId: m.info.source_run_id || undefined,
                }}
                onRegistered={() => setRegistrations((n) => n + 1)}
              />
            </span>
          </>
        }
        tabs={TABS}
        location={location}
      />
      <div role="tabpanel">
        {tab === 'overview' ? <Overview model={m} registrations={registrations} /> : null}
        {tab === 'artifacts' ? (
          // MLflow's `logged-models/{id}/artifacts/directories` and `artifacts/files`.
          <ArtifactBrowser
            source={{
              id: m.info.model_id,
              list: (path) => listLoggedModelArtifacts(m.info.model_id, path),
              fileUrl: (path) => loggedModelArtifactUrl(m.info.model_id, path),
            }}
            label="Model artifacts"
            empty="No files stored for this model."
            selected={location.query.get('artifact') ?? undefined}
            onSelect={(path) => navigate(hrefWith(location, { artifact: path }), { replace: true })}
          />
        ) : null}
      </div>
    </section>
  );
}

const runHref = (experimentId: string, runId: string) => `/experiments/${experimentId}/runs/${runId}`;

function Overview({ model, registrations }: { model: LoggedModelJson; registrations: number }) {
  const { info, data } = model;
  const versions = useAsync(() => registeredVersions(model), [model, registrations]);
  const runs = linkedRunIds(model);
  const metrics = [...(data.metrics ?? [])].sort(
    (a, b) => a.key.localeCompare(b.key) || a.step - b.step || a.timestamp - b.timestamp,
  );
  return (
    <div className="overview">
      <dl className="facts">
        <dt>Model ID</dt>
        <dd>
          <code>{info.model_id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <LoggedModelStatus status={info.status} />
          {info.status_message ? <span className="muted"> ({info.status_message})</span> : null}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(info.creation_timestamp_ms)}</dd>
        <dt>Last modified</dt>
        <dd>{formatTime(info.last_updated_timestamp_ms)}</dd>
        <dt>Model type</dt>
        <dd>{info.model_type || '—'}</dd>
        <dt>Artifact location</dt>
        <dd>
          <code>{info.artifact_uri}</code>
        </dd>
        <dt>Model URI</dt>
        <dd>
          <code>models:/{info.model_id}</code>
        </dd>
        <dt>Source run</dt>
        <dd>
          {info.source_run_id ? (
            <Link href={runHref(info.experiment_id, info.source_run_id)} title={info.source_run_id}>
              <RunName runId={info.source_run_id} />
            </Link>
          ) : (
            '—'
          )}
        </dd>
      </dl>

      <h3>Metrics</h3>
      {metrics.length === 0 ? (
        <Empty>No metrics logged against this model.</Empty>
      ) : (
        <table className="data-table model-metrics">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Value</th>
              <th>Step</th>
              <th>Dataset</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((x) => (
              <tr key={`${x.key}\n${x.step}\n${x.timestamp}\n${x.run_id}\n${x.dataset_name ?? ''}`}>
                <td>{x.key}</td>
                <td className="num">
                  {formatValue(typeof x.value === 'string' ? Number(x.value) : x.value)}
                </td>
                <td className="num">{x.step}</td>
                <td>
                  {x.dataset_name ? (
                    <>
                      {x.dataset_name}
                      {x.dataset_digest ? <span className="muted"> ({x.dataset_digest})</span> : null}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  <Link href={runHref(info.experiment_id, x.run_id)} title={x.run_id}>
                    <RunName runId={x.run_id} />
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Parameters</h3>
      <Pairs rows={data.params ?? []} empty="No parameters." label="Parameters" />

      <h3>Tags</h3>
      <Pairs rows={info.tags ?? []} empty="No tags." label="Tags" />

      <h3>Linked runs</h3>
      {runs.length === 0 ? (
        <Empty>No runs linked to this model.</Empty>
      ) : (
        <ul className="linked-runs">
          {runs.map((id) => (
            <li key={id}>
              <Link href={runHref(info.experiment_id, id)} title={id}>
                <RunName runId={id} />
              </Link>
              {id === info.source_run_id ? <span className="muted"> (source run)</span> : null}
            </li>
          ))}
        </ul>
      )}

      <h3>Registered versions</h3>
      {versions.error ? <ErrorBox error={versions.error} /> : null}
      {versions.data?.length === 0 ? <Empty>This model is not registered.</Empty> : null}
      {versions.data?.length ? (
        <ul className="registered-versions">
          {versions.data.map((v) => (
            <li key={`${v.name}/${v.version}`}>
              <Link href={`/models/${encodeURIComponent(v.name)}/versions/${v.version}`}>
                {v.name} version {v.version}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Pairs({
  rows,
  empty,
  label,
}: {
  rows: { key: string; value: string }[];
  empty: string;
  label: string;
}) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table className="data-table kv-table" aria-label={label}>
      <tbody>
        {[...rows]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((r) => (
            <tr key={r.key}>
              <th scope="row">
                <code>{r.key}</code>
              </th>
              <td className="kv-value">{r.value}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}
