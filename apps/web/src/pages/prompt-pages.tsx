import { useMemo, useState } from 'react';
import { getPrompt, promptVersions, searchPrompts } from '../api/prompts.js';
import { Link } from '../components/link.js';
import { PromptDiffView } from '../components/prompt-diff-view.js';
import { PromptTemplate } from '../components/prompt-template.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatTime } from '../lib/format.js';
import { diffLines } from '../lib/prompt-diff.js';
import { type PromptVersionView, readPromptVersion, templateLines } from '../lib/prompt-version.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import './logged-models.css';

const promptHref = (name: string) => `/prompts/${encodeURIComponent(name)}`;
const tagOf = (tags: { key: string; value?: string }[] | undefined, key: string) =>
  tags?.find((t) => t.key === key)?.value;

/** The prompts of the registry (MLflow 3's prompt registry), searchable by name. */
export function PromptsPage() {
  const [search, setSearch] = useState('');
  const prompts = useAsync((signal) => searchPrompts(search, signal), [search]);
  return (
    <section className="prompts-page" aria-label="Prompts">
      <header className="page-head">
        <h1>Prompts</h1>
      </header>
      <input
        type="search"
        aria-label="Search prompts"
        placeholder="Search prompts by name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {prompts.error ? <ErrorBox error={prompts.error} /> : null}
      {!prompts.data && !prompts.error ? <Loading what="Loading prompts" /> : null}
      {prompts.data?.length === 0 ? <Empty>No prompts{search ? ' match' : ' yet'}.</Empty> : null}
      {prompts.data?.length ? (
        <table className="data-table prompts-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest version</th>
              <th>Aliases</th>
              <th>Description</th>
              <th>Last modified</th>
            </tr>
          </thead>
          <tbody>
            {prompts.data.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link href={promptHref(p.name)}>{p.name}</Link>
                </td>
                <td>{latestVersion(p.latest_versions)}</td>
                <td>{p.aliases?.map((a) => `@${a.alias} → v${a.version}`).join(', ')}</td>
                <td>{p.description ?? ''}</td>
                <td>{formatTime(p.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function latestVersion(versions: { version: string }[] | undefined): string {
  const numbers = (versions ?? []).map((v) => Number(v.version)).filter(Number.isFinite);
  return numbers.length ? `v${Math.max(...numbers)}` : '';
}

/**
 * One prompt: its versions (template, variables, commit message, aliases, tags) and a line diff of two
 * versions' templates (chat templates as `role: content` lines). The shown version is `v` in the URL, the
 * compared ones `from` and `to` (by default the one before the shown version, and the shown one).
 */
export function PromptPage({ name, location }: { name: string; location: Location }) {
  const prompt = useAsync((signal) => getPrompt(name, signal), [name]);
  const versions = useAsync((signal) => promptVersions(name, signal), [name]);
  const views = useMemo(() => (versions.data ?? []).map(readPromptVersion), [versions.data]);
  if (prompt.error) return <ErrorBox error={prompt.error} />;
  if (!prompt.data) return <Loading what="Loading prompt" />;
  const selected = views.find((v) => v.version === location.query.get('v')) ?? views[0];
  const update = (changes: Record<string, string | null>) =>
    navigate(hrefWith(location, changes), { replace: true });
  const experimentIds = tagOf(prompt.data.tags, '_mlflow_experiment_ids');
  return (
    <section className="prompt-page" aria-label={`Prompt ${name}`}>
      <nav className="crumbs">
        <Link href="/prompts">Prompts</Link> › <span>{name}</span>
      </nav>
      <header className="page-head">
        <h1>{name}</h1>
        <span className="muted">
          {views.length} version{views.length === 1 ? '' : 's'}
        </span>
      </header>
      {prompt.data.description ? <p>{prompt.data.description}</p> : null}
      {experimentIds ? (
        <p className="muted">Experiments: {experimentIds.split(',').filter(Boolean).join(', ')}</p>
      ) : null}
      {versions.error ? <ErrorBox error={versions.error} /> : null}
      {!versions.data && !versions.error ? <Loading what="Loading versions" /> : null}
      {versions.data && views.length === 0 ? <Empty>This prompt has no versions yet.</Empty> : null}
      {selected ? (
        <div className="prompt-layout">
          <ul className="prompt-versions" aria-label="Versions">
            {views.map((v) => (
              <li key={v.version}>
                <button
                  type="button"
                  className={v === selected ? 'selected' : ''}
                  aria-current={v === selected ? 'true' : undefined}
                  onClick={() => update({ v: v.version })}
                >
                  <strong>Version {v.version}</strong>
                  {v.aliases.map((a) => (
                    <span key={a} className="badge">
                      @{a}
                    </span>
                  ))}
                  <br />
                  <span className="muted">{v.commitMessage || formatTime(v.created)}</span>
                </button>
              </li>
            ))}
          </ul>
          <div>
            <VersionDetail view={selected} />
            {views.length > 1 ? <Compare views={views} selected={selected} location={location} /> : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}

function VersionDetail({ view }: { view: PromptVersionView }) {
  return (
    <article className="prompt-version" aria-label={`Version ${view.version}`}>
      <h2>Version {view.version}</h2>
      <dl className="facts">
        <dt>Commit message</dt>
        <dd>{view.commitMessage || '—'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(view.created) || '—'}</dd>
        <dt>Type</dt>
        <dd>{view.type}</dd>
        <dt>Aliases</dt>
        <dd>{view.aliases.map((a) => `@${a}`).join(' ') || '—'}</dd>
        <dt>Variables</dt>
        <dd className="variables">
          {view.variables.length ? view.variables.map((v) => <code key={v}>{v}</code>) : '—'}
        </dd>
        <dt>Tags</dt>
        <dd>
          {view.tags.length
            ? view.tags.map((t) => (
                <div key={t.key}>
                  <code>{t.key}</code> = {t.value}
                </div>
              ))
            : '—'}
        </dd>
      </dl>
      <h3>Template</h3>
      <PromptTemplate view={view} />
    </article>
  );
}

function Compare({
  views,
  selected,
  location,
}: {
  views: PromptVersionView[];
  selected: PromptVersionView;
  location: Location;
}) {
  // Versions are newest first: by default the shown version against the one before it.
  const index = views.indexOf(selected);
  const fallbackFrom = views[index + 1] ?? views[index - 1] ?? selected;
  const from = views.find((v) => v.version === location.query.get('from')) ?? fallbackFrom;
  const to = views.find((v) => v.version === location.query.get('to')) ?? selected;
  const lines = useMemo(() => diffLines(templateLines(from), templateLines(to)), [from, to]);
  const pick = (key: 'from' | 'to', version: string) =>
    navigate(hrefWith(location, { [key]: version }), { replace: true });
  return (
    <section className="prompt-compare" aria-label="Compare versions">
      <h3>Compare versions</h3>
      <div className="diff-picker">
        <VersionSelect label="From" views={views} value={from.version} onPick={(v) => pick('from', v)} />
        <VersionSelect label="To" views={views} value={to.version} onPick={(v) => pick('to', v)} />
      </div>
      <PromptDiffView lines={lines} label={`Version ${from.version} → version ${to.version}`} />
    </section>
  );
}

function VersionSelect(props: {
  label: 'From' | 'To';
  views: PromptVersionView[];
  value: string;
  onPick: (version: string) => void;
}) {
  return (
    <label>
      {props.label}{' '}
      <select
        aria-label={`${props.label} version`}
        value={props.value}
        onChange={(e) => props.onPick(e.target.value)}
      >
        {props.views.map((v) => (
          <option key={v.version} value={v.version}>
            Version {v.version}
          </option>
        ))}
      </select>
    </label>
  );
}
