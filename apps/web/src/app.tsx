import { type ReactNode, useEffect, useState } from 'react';
import { searchExperiments } from './api/endpoints.js';
import { Link } from './components/link.js';
import { Empty } from './components/states.js';
import { match, navigate, useLocation } from './lib/router.js';
import { useAccess } from './lib/use-access.js';
import { useAsync } from './lib/use-async.js';
import { ComparePage } from './pages/compare-page.js';
import { DeletedRunsView } from './pages/deleted-runs-view.js';
import { ExperimentsSidebar } from './pages/experiments-sidebar.js';
import { LoggedModelPage } from './pages/logged-model-page.js';
import { LoggedModelsView } from './pages/logged-models-view.js';
import { PromptPage, PromptsPage } from './pages/prompt-pages.js';
import { ModelPage, ModelsPage, VersionPage } from './pages/registry-pages.js';
import { RunPage } from './pages/run-page.js';
import { RunsView } from './pages/runs-view.js';
import { TracePage } from './pages/trace-page.js';
import { TracesView } from './pages/traces-view.js';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = window.localStorage?.getItem('flowline.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The whole UI: a header, the experiments sidebar, and the page the URL names. */
export function App() {
  const location = useLocation();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    window.localStorage?.setItem('flowline.theme', theme);
  }, [theme]);
  const experiments = useAsync(() => searchExperiments(), []);
  const access = useAccess([]);
  const path = location.path;
  const inModels = path.startsWith('/models');
  const inPrompts = path.startsWith('/prompts');
  const inRegistry = inModels || inPrompts;

  const expMatch =
    match('/experiments/:ids', path) ??
    match('/experiments/:ids/traces', path) ??
    match('/experiments/:ids/models', path);
  const traceMatch = match('/experiments/:id/traces/:traceId', path);
  const loggedModelMatch = match('/experiments/:id/models/:modelId', path);
  const runMatch = match('/experiments/:id/runs/:runId', path) ?? match('/runs/:runId', path);
  // The compare page keeps the experiments it was opened from (`experiments=` in its URL) selected.
  const comparing = path === '/compare' ? (location.query.get('experiments') ?? '') : '';
  const openExperiment = runMatch?.id ?? traceMatch?.id ?? loggedModelMatch?.id;
  const selected = expMatch
    ? expMatch.ids!.split(',').filter(Boolean)
    : openExperiment
      ? [openExperiment]
      : comparing.split(',').filter(Boolean);

  // The start page opens the most recent experiment, as MLflow opens one.
  // Only from a fresh list: a stale one may still hold an experiment that was just deleted.
  const first = experiments.loading ? undefined : experiments.data?.[0]?.experiment_id;
  useEffect(() => {
    if (path === '/' && first !== undefined) navigate(`/experiments/${first}`, { replace: true });
  }, [path, first]);

  let page: ReactNode;
  const model = match('/models/:name', path);
  const version = match('/models/:name/versions/:version', path);
  const prompt = match('/prompts/:name', path);
  if (runMatch) page = <RunPage runId={runMatch.runId!} location={location} />;
  else if (traceMatch)
    page = <TracePage experimentId={traceMatch.id!} traceId={traceMatch.traceId!} location={location} />;
  else if (loggedModelMatch)
    page = (
      <LoggedModelPage
        experimentId={loggedModelMatch.id!}
        modelId={loggedModelMatch.modelId!}
        location={location}
      />
    );
  else if (expMatch && path.endsWith('/models'))
    page = (
      <LoggedModelsView experimentIds={selected} experiments={experiments.data ?? []} location={location} />
    );
  else if (expMatch && path.endsWith('/traces'))
    page = <TracesView experimentIds={selected} experiments={experiments.data ?? []} location={location} />;
  else if (expMatch && location.query.get('lifecycle') === 'deleted')
    page = (
      <DeletedRunsView experimentIds={selected} experiments={experiments.data ?? []} location={location} />
    );
  else if (expMatch)
    page = (
      <RunsView
        experimentIds={selected}
        experiments={experiments.data ?? []}
        experimentsFresh={!experiments.loading && experiments.data !== undefined}
        location={location}
      />
    );
  else if (path === '/compare') page = <ComparePage location={location} />;
  else if (path === '/models') page = <ModelsPage />;
  else if (version) page = <VersionPage name={version.name!} version={version.version!} />;
  else if (model) page = <ModelPage name={model.name!} />;
  else if (path === '/prompts') page = <PromptsPage />;
  else if (prompt) page = <PromptPage name={prompt.name!} location={location} />;
  else if (path === '/')
    page = experiments.data?.length === 0 ? <Empty>No experiments yet: create one.</Empty> : null;
  else page = <Empty>Nothing here: {path}</Empty>;

  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand">
          Flowline
        </Link>
        <nav aria-label="Sections">
          <Link
            href={selected.length ? `/experiments/${selected.join(',')}` : '/'}
            className={inRegistry ? '' : 'active'}
          >
            Experiments
          </Link>
          <Link href="/models" className={inModels ? 'active' : ''}>
            Models
          </Link>
          <Link href="/prompts" className={inPrompts ? 'active' : ''}>
            Prompts
          </Link>
        </nav>
        {access.username ? <span className="signed-in">Signed in as {access.username}</span> : null}
        <button
          type="button"
          className="theme-toggle"
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <div className="body">
        {inRegistry ? null : (
          <ExperimentsSidebar
            experiments={experiments.data}
            error={experiments.error}
            loading={experiments.loading}
            selected={selected}
            reload={experiments.reload}
          />
        )}
        <main className="main">{page}</main>
      </div>
    </div>
  );
}
