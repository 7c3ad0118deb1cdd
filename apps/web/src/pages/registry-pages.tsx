import { type FormEvent, useState } from 'react';
import {
  deleteAlias,
  getModel,
  getVersion,
  searchModels,
  searchVersions,
  setAlias,
  setModelTag,
  setVersionTag,
  transitionStage,
  updateModelDescription,
  updateVersionDescription,
} from '../api/endpoints.js';
import { withoutPrompts } from '../api/prompts.js';
import type { KeyValue } from '../api/types.js';
import { EditableText } from '../components/editable-text.js';
import { Link } from '../components/link.js';
import { RunName } from '../components/run-name.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatTime } from '../lib/format.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];
/** For a failed action whose error the page already shows. */
const shown = () => {};
const modelHref = (name: string) => `/models/${encodeURIComponent(name)}`;

/** The registered models, searchable by name; prompts are listed under Prompts instead, as MLflow 3 does. */
export function ModelsPage() {
  const [search, setSearch] = useState('');
  const models = useAsync(async () => withoutPrompts(await searchModels(search)), [search]);
  return (
    <section className="models-page" aria-label="Registered models">
      <header className="page-head">
        <h1>Registered models</h1>
      </header>
      <input
        type="search"
        aria-label="Search models"
        placeholder="Search models by name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {models.error ? <ErrorBox error={models.error} /> : null}
      {!models.data && !models.error ? <Loading what="Loading models" /> : null}
      {models.data?.length === 0 ? <Empty>No registered models{search ? ' match' : ' yet'}.</Empty> : null}
      {models.data?.length ? (
        <table className="data-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest version</th>
              <th>Aliases</th>
              <th>Last modified</th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => (
              <tr key={m.name}>
                <td>
                  <Link href={modelHref(m.name)}>{m.name}</Link>
                </td>
                <td>{m.latest_versions?.map((v) => `v${v.version} (${v.current_stage})`).join(', ')}</td>
                <td>{m.aliases?.map((a) => `@${a.alias} → v${a.version}`).join(', ')}</td>
                <td>{formatTime(m.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/**
 * A page's writes: `act(work)` shows the failure of `work` and rethrows it, so the form that asked keeps
 * what was typed; after a success it reloads the page's data.
 */
function useAction(reload: () => void) {
  const [error, setError] = useState<unknown>();
  const act = async (work: () => Promise<void>) => {
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
      throw e;
    }
    reload();
  };
  return { error, act };
}

/** One registered model: description, aliases (set and remove), tags, and its versions. */
export function ModelPage({ name }: { name: string }) {
  const model = useAsync(() => getModel(name), [name]);
  const versions = useAsync(() => searchVersions(`name='${name.replaceAll("'", "''")}'`), [name]);
  const { error, act } = useAction(() => {
    model.reload();
    versions.reload();
  });
  const can = useAccess([name]).model(name);
  if (model.error) return <ErrorBox error={model.error} />;
  if (!model.data) return <Loading what="Loading model" />;
  const m = model.data;
  return (
    <section className="model-page" aria-label={`Model ${name}`}>
      <nav className="crumbs">
        <Link href="/models">Registered models</Link> › <span>{name}</span>
      </nav>
      <header className="page-head">
        <h1>{name}</h1>
      </header>
      {error ? <ErrorBox error={error} /> : null}
      <EditableText
        label="Description"
        value={m.description ?? ''}
        readOnly={!can.update}
        onSave={(d) => act(() => updateModelDescription(name, d))}
      />
      <h3>Aliases</h3>
      <ul className="aliases">
        {(m.aliases ?? []).map((a) => (
          <li key={a.alias}>
            <span className="badge">@{a.alias}</span> →{' '}
            <Link href={`${modelHref(name)}/versions/${a.version}`}>version {a.version}</Link>{' '}
            <button
              type="button"
              hidden={!can.delete}
              aria-label={`Remove alias ${a.alias}`}
              onClick={() => act(() => deleteAlias(name, a.alias)).catch(shown)}
            >
              Remove
            </button>
          </li>
        ))}
        {(m.aliases ?? []).length === 0 ? <li className="muted">No aliases.</li> : null}
      </ul>
      {can.update ? (
        <PairForm
          labels={['Alias', 'Version']}
          submit="Set alias"
          onSubmit={(alias, version) => act(() => setAlias(name, alias, version))}
        />
      ) : null}
      <h3>Tags</h3>
      <TagList tags={m.tags} readOnly={!can.update} onSet={(k, v) => act(() => setModelTag(name, k, v))} />
      <h3>Versions</h3>
      {versions.error ? <ErrorBox error={versions.error} /> : null}
      {versions.data?.length === 0 ? <Empty>No versions yet.</Empty> : null}
      {versions.data?.length ? (
        <table className="data-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Aliases</th>
              <th>Created</th>
              <th>Source run</th>
            </tr>
          </thead>
          <tbody>
            {[...versions.data]
              .sort((a, b) => Number(b.version) - Number(a.version))
              .map((v) => (
                <tr key={v.version}>
                  <td>
                    <Link href={`${modelHref(name)}/versions/${v.version}`}>Version {v.version}</Link>
                  </td>
                  <td>{v.current_stage}</td>
                  <td>{(v.aliases ?? []).map((a) => `@${a}`).join(' ')}</td>
                  <td>{formatTime(v.creation_timestamp)}</td>
                  <td>
                    {v.run_id ? (
                      <Link href={`/runs/${v.run_id}`} title={v.run_id}>
                        <RunName runId={v.run_id} />
                      </Link>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** One model version: stage, aliases, tags, description, and a link to the run it came from. */
export function VersionPage({ name, version }: { name: string; version: string }) {
  const v = useAsync(() => getVersion(name, version), [name, version]);
  const { error, act } = useAction(() => v.reload());
  const can = useAccess([name]).model(name);
  if (v.error) return <ErrorBox error={v.error} />;
  if (!v.data) return <Loading what="Loading version" />;
  const mv = v.data;
  return (
    <section className="version-page" aria-label={`${name} version ${version}`}>
      <nav className="crumbs">
        <Link href="/models">Registered models</Link> › <Link href={modelHref(name)}>{name}</Link> ›{' '}
        <span>Version {version}</span>
      </nav>
      <header className="page-head">
        <h1>
          {name} version {version}
        </h1>
      </header>
      {error ? <ErrorBox error={error} /> : null}
      <dl className="facts">
        <dt>Created</dt>
        <dd>{formatTime(mv.creation_timestamp)}</dd>
        <dt>Last modified</dt>
        <dd>{formatTime(mv.last_updated_timestamp) || '—'}</dd>
        <dt>Registered by</dt>
        <dd>{mv.user_id || '—'}</dd>
        <dt>Status</dt>
        <dd>
          {mv.status}
          {mv.status_message ? <span className="muted"> ({mv.status_message})</span> : null}
        </dd>
        <dt>Stage</dt>
        <dd>
          <select
            aria-label="Stage"
            disabled={!can.update}
            value={mv.current_stage ?? 'None'}
            onChange={(e) => act(() => transitionStage(name, version, e.target.value)).catch(shown)}
          >
            {STAGES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </dd>
        <dt>Aliases</dt>
        <dd>{(mv.aliases ?? []).map((a) => `@${a}`).join(' ') || '—'}</dd>
        <dt>Source</dt>
        <dd>
          <code>{mv.source}</code>
        </dd>
        <dt>Source run</dt>
        <dd>
          {mv.run_id ? (
            <Link href={`/runs/${mv.run_id}`} title={mv.run_id}>
              <RunName runId={mv.run_id} />
            </Link>
          ) : (
            '—'
          )}
        </dd>
      </dl>
      <EditableText
        label="Description"
        value={mv.description ?? ''}
        readOnly={!can.update}
        onSave={(d) => act(() => updateVersionDescription(name, version, d))}
      />
      <h3>Tags</h3>
      <TagList
        tags={mv.tags}
        readOnly={!can.update}
        onSet={(k, val) => act(() => setVersionTag(name, version, k, val))}
      />
    </section>
  );
}

function PairForm(props: {
  labels: [string, string];
  submit: string;
  onSubmit: (a: string, b: string) => Promise<void>;
}) {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit(a.trim(), b.trim()).then(() => {
      setA('');
      setB('');
    }, shown);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <input
        aria-label={props.labels[0]}
        placeholder={props.labels[0]}
        value={a}
        onChange={(e) => setA(e.target.value)}
      />
      <input
        aria-label={props.labels[1]}
        placeholder={props.labels[1]}
        value={b}
        onChange={(e) => setB(e.target.value)}
      />
      <button type="submit" disabled={!a.trim() || !b.trim()}>
        {props.submit}
      </button>
    </form>
  );
}

function TagList({
  tags,
  onSet,
  readOnly = false,
}: {
  tags?: KeyValue[];
  onSet: (key: string, value: string | null) => Promise<void>;
  /** Tags shown without the controls to change them. */
  readOnly?: boolean;
}) {
  return (
    <>
      <ul className="tags">
        {(tags ?? []).map((t) => (
          <li key={t.key}>
            <code>{t.key}</code> = {t.value}{' '}
            <button
              type="button"
              hidden={readOnly}
              aria-label={`Remove tag ${t.key}`}
              onClick={() => onSet(t.key, null).catch(shown)}
            >
              Remove
            </button>
          </li>
        ))}
        {(tags ?? []).length === 0 ? <li className="muted">No tags.</li> : null}
      </ul>
      {readOnly ? null : (
        <PairForm labels={['Tag key', 'Tag value']} submit="Set tag" onSubmit={(k, v) => onSet(k, v)} />
      )}
    </>
  );
}
