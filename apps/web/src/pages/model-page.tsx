import {
  deleteAlias,
  getModel,
  searchVersions,
  setAlias,
  setModelTag,
  updateModelDescription,
} from '../api/endpoints.js';
import { deleteModel } from '../api/registry.js';
import { ConfirmDelete } from '../components/confirm-delete.js';
import { EditableText } from '../components/editable-text.js';
import { Link } from '../components/link.js';
import { versionHref } from '../components/register-model-dialog.js';
import { PairForm, shown, TagList, useAction } from '../components/registry-forms.js';
import { RunName } from '../components/run-name.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatTime } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import '../components/registry.css';

/** The registry page of one model. */
export const modelHref = (name: string): string => `/models/${encodeURIComponent(name)}`;

/**
 * One registered model: description (Markdown), aliases (set and remove), tags, its versions, and delete
 * (the name typed to confirm, as MLflow asks). Writes the user may not make are hidden.
 */
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
        <span className="head-actions">
          {can.delete ? (
            <ConfirmDelete
              label="Delete model"
              what={`the registered model ${name} and all its versions`}
              typeToConfirm={name}
              onDelete={async () => {
                await deleteModel(name);
                navigate('/models');
              }}
            />
          ) : null}
        </span>
      </header>
      <dl className="facts">
        <dt>Created</dt>
        <dd>{formatTime(m.creation_timestamp)}</dd>
        <dt>Last modified</dt>
        <dd>{formatTime(m.last_updated_timestamp) || '—'}</dd>
      </dl>
      {error ? <ErrorBox error={error} /> : null}
      <EditableText
        label="Description"
        value={m.description ?? ''}
        readOnly={!can.update}
        inlineErrors
        onSave={async (d) => {
          await updateModelDescription(name, d);
          model.reload();
        }}
      />
      <h3>Aliases</h3>
      <ul className="aliases">
        {(m.aliases ?? []).map((a) => (
          <li key={a.alias}>
            <span className="badge">@{a.alias}</span> →{' '}
            <Link href={versionHref(name, a.version)}>version {a.version}</Link>{' '}
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
                    <Link href={versionHref(name, v.version)}>Version {v.version}</Link>
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
