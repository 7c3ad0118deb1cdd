import {
  deleteAlias,
  getVersion,
  setAlias,
  setVersionTag,
  transitionStage,
  updateVersionDescription,
} from '../api/endpoints.js';
import { deleteVersion } from '../api/registry.js';
import { AliasEditor } from '../components/alias-editor.js';
import { ConfirmDelete } from '../components/confirm-delete.js';
import { EditableText } from '../components/editable-text.js';
import { Link } from '../components/link.js';
import { TagList, useAction } from '../components/registry-forms.js';
import { RunName } from '../components/run-name.js';
import { StageControl } from '../components/stage-control.js';
import { ErrorBox, Loading } from '../components/states.js';
import { VersionSchema } from '../components/version-schema.js';
import { formatTime } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import { modelHref } from './model-page.js';
import '../components/registry.css';

/**
 * One model version: facts, stage (with MLflow's archive-existing option), aliases, description (Markdown),
 * tags, its schema and input example from its `MLmodel`, and delete. Writes the user may not make are hidden.
 */
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
        <span className="head-actions">
          {can.delete ? (
            <ConfirmDelete
              label="Delete version"
              what={`version ${version} of ${name}`}
              onDelete={async () => {
                await deleteVersion(name, version);
                navigate(modelHref(name));
              }}
            />
          ) : null}
        </span>
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
          <StageControl
            stage={mv.current_stage ?? 'None'}
            disabled={!can.update}
            onMove={(stage, archive) => act(() => transitionStage(name, version, stage, archive))}
          />
        </dd>
        <dt>Aliases</dt>
        <dd>
          <AliasEditor
            aliases={mv.aliases ?? []}
            canAdd={can.update}
            canRemove={can.delete}
            onAdd={async (alias) => {
              await setAlias(name, alias, version);
              v.reload();
            }}
            onRemove={async (alias) => {
              await deleteAlias(name, alias);
              v.reload();
            }}
          />
        </dd>
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
        inlineErrors
        onSave={async (d) => {
          await updateVersionDescription(name, version, d);
          v.reload();
        }}
      />
      <h3>Tags</h3>
      <TagList
        tags={mv.tags}
        readOnly={!can.update}
        canRemove={can.delete}
        onSet={(k, val) => act(() => setVersionTag(name, version, k, val))}
      />
      <VersionSchema name={name} version={version} />
    </section>
  );
}
