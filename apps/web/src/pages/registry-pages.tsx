import { type FormEvent, useState } from 'react';
import { PENDING_ACCESS } from '../api/access.js';
import { searchModels } from '../api/endpoints.js';
import { withoutPrompts } from '../api/prompts.js';
import { createModel } from '../api/registry.js';
import { Link } from '../components/link.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatTime } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import { modelHref } from './model-page.js';
import '../components/registry.css';

export { ModelPage } from './model-page.js';
export { VersionPage } from './version-page.js';

/**
 * The registered models, searchable by name, with "Create model" (any signed-in user may, as in MLflow);
 * prompts are listed under Prompts instead, as MLflow 3 does.
 */
export function ModelsPage() {
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const access = useAccess([]);
  const models = useAsync(async () => withoutPrompts(await searchModels(search)), [search]);
  return (
    <section className="models-page" aria-label="Registered models">
      <header className="page-head">
        <h1>Registered models</h1>
        <span className="head-actions">
          {access === PENDING_ACCESS || creating ? null : (
            <button type="button" onClick={() => setCreating(true)}>
              Create model
            </button>
          )}
        </span>
      </header>
      {creating ? <CreateModelForm onCancel={() => setCreating(false)} /> : null}
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

/** Name and description of a new registered model; opens it once made, keeps the input when refused. */
export function CreateModelForm({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || busy) return;
    setBusy(true);
    setError(undefined);
    createModel(trimmed, description).then(
      (m) => navigate(modelHref(m.name)),
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <form className="create-model" aria-label="Create model" onSubmit={submit}>
      <label className="field">
        Model name
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        Description (Markdown)
        <textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      {error ? <ErrorBox error={error} /> : null}
      <div className="modal-actions">
        <button type="submit" disabled={!name.trim() || busy}>
          Create
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
