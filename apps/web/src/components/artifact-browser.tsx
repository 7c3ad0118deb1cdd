import { useEffect, useState } from 'react';
import { fetchServed } from '../api/client.js';
import { formatBytes } from '../lib/format.js';
import { registerSourceOf } from '../lib/model-schema.js';
import { type MlmodelSummary, parseCsv, previewKind, summarizeMlmodel } from '../lib/preview.js';
import { useAsync } from '../lib/use-async.js';
import { RegisterModelButton } from './register-model-dialog.js';
import { SignatureTables } from './signature-table.js';
import { Empty, ErrorBox, Loading } from './states.js';

const MAX_PREVIEW = 2 * 1024 * 1024;

/** One entry of an artifact listing (MLflow's `FileInfo`; no size for a directory). */
export interface ArtifactEntry {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}

/** Where a browser's files come from: a run's artifacts, a logged model's, … */
export interface ArtifactSource {
  /** Identifies the owner (run or model id): the browser reloads when it changes. */
  id: string;
  /** One folder level (`''` for the root). */
  list: (path: string) => Promise<ArtifactEntry[]>;
  /** The URL that downloads one file. */
  fileUrl: (path: string) => string;
}

/** Props of the artifact browser. */
export interface ArtifactBrowserProps {
  source: ArtifactSource;
  /** The tree's accessible name. */
  label: string;
  /** What to say when the root folder is empty. */
  empty: string;
  /** The selected file (kept in the URL by the caller). */
  selected?: string;
  onSelect: (path: string) => void;
}

/** Artifacts of one owner: a lazily loaded folder tree with sizes, and a preview of the selected file. */
export function ArtifactBrowser(props: ArtifactBrowserProps) {
  const { source } = props;
  // The source is rebuilt on each render; its id names it.
  const root = useAsync(() => source.list(''), [source.id]);
  const file = props.selected;
  return (
    <div className="artifact-browser">
      <div className="artifact-tree" role="tree" aria-label={props.label}>
        {root.error ? <ErrorBox error={root.error} /> : null}
        {!root.data && !root.error ? <Loading what="Loading artifacts" /> : null}
        {root.data?.length === 0 ? <Empty>{props.empty}</Empty> : null}
        {root.data?.map((f) => (
          <TreeNode
            key={f.path}
            source={source}
            file={f}
            depth={0}
            selected={file}
            onSelect={props.onSelect}
          />
        ))}
      </div>
      <div className="artifact-preview">
        {file ? (
          <Preview url={source.fileUrl(file)} path={file} ownerId={source.id} />
        ) : (
          <Empty>Select a file to preview it.</Empty>
        )}
      </div>
    </div>
  );
}

function TreeNode(props: {
  source: ArtifactSource;
  file: ArtifactEntry;
  depth: number;
  selected?: string;
  onSelect: (path: string) => void;
}) {
  const { file, source } = props;
  const name = file.path.split('/').pop() ?? file.path;
  const inside = props.selected?.startsWith(`${file.path}/`) ?? false;
  const [open, setOpen] = useState(inside);
  const [children, setChildren] = useState<ArtifactEntry[] | undefined>();
  const [error, setError] = useState<unknown>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the source is rebuilt on each render; its id names it.
  useEffect(() => {
    if (open && file.is_dir && children === undefined) source.list(file.path).then(setChildren, setError);
  }, [open, file, children, source.id]);
  const isSelected = props.selected === file.path;
  return (
    <div
      role="treeitem"
      tabIndex={-1}
      aria-expanded={file.is_dir ? open : undefined}
      aria-selected={isSelected}
    >
      <button
        type="button"
        className={`tree-item${isSelected ? ' selected' : ''}`}
        style={{ paddingLeft: 8 + props.depth * 16 }}
        onClick={() => (file.is_dir ? setOpen((o) => !o) : props.onSelect(file.path))}
      >
        <span aria-hidden="true">{file.is_dir ? (open ? '▾' : '▸') : '·'}</span> {name}
        {file.is_dir ? null : <span className="size">{formatBytes(file.file_size)}</span>}
      </button>
      {open && error ? <ErrorBox error={error} /> : null}
      {open && file.is_dir && children === undefined && !error ? <Loading /> : null}
      {open
        ? children?.map((c) => <TreeNode key={c.path} {...props} file={c} depth={props.depth + 1} />)
        : null}
    </div>
  );
}

/**
 * The preview of one artifact: text, JSON, YAML, CSV as a table, images, and an `MLmodel` summary with a
 * "Register model" button (for a logged model's `MLmodel`, or a model folder of the run `ownerId` names).
 */
export function Preview({ url, path, ownerId }: { url: string; path: string; ownerId?: string }) {
  const kind = previewKind(path);
  const text = useAsync(
    async (signal) => {
      if (kind === 'image' || kind === 'none') return '';
      const res = await fetchServed(url, path, signal);
      const size = Number(res.headers.get('content-length') ?? 0);
      if (size > MAX_PREVIEW) return null;
      return res.text();
    },
    [url, kind],
  );
  const name = path.split('/').pop();
  return (
    <div className="preview" data-kind={kind}>
      <div className="preview-head">
        <strong>{path}</strong>
        <a href={url} download={name}>
          Download
        </a>
      </div>
      {kind === 'image' ? <img src={url} alt={path} className="preview-image" /> : null}
      {kind === 'none' ? <Empty>No preview for this file type; download it instead.</Empty> : null}
      {kind !== 'image' && kind !== 'none' ? (
        text.error ? (
          <ErrorBox error={text.error} />
        ) : text.loading ? (
          <Loading what="Loading preview" />
        ) : text.data === null ? (
          <Empty>This file is too large to preview; download it instead.</Empty>
        ) : (
          <TextPreview kind={kind} text={text.data ?? ''} path={path} ownerId={ownerId} />
        )
      ) : null}
    </div>
  );
}

function TextPreview(props: { kind: string; text: string; path: string; ownerId?: string }) {
  const { kind, text, path } = props;
  if (kind === 'json') {
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not valid JSON: show it as it is.
    }
    return <pre className="code">{pretty}</pre>;
  }
  if (kind === 'csv') {
    const rows = parseCsv(text, 1001, path.toLowerCase().endsWith('.tsv') ? '\t' : ',');
    const [head, ...body] = rows;
    return (
      <div className="table-scroll">
        <table className="data-table csv-table">
          <thead>
            <tr>
              {head?.map((h, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: CSV headers may repeat; position is their identity.
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.slice(0, 1000).map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
              <tr key={i}>
                {r.map((c, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity but their position.
                  <td key={j}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  if (kind === 'mlmodel') {
    let summary: MlmodelSummary | undefined;
    try {
      summary = summarizeMlmodel(text);
    } catch {
      summary = undefined;
    }
    const from = summary ? registerSourceOf(text, path, props.ownerId ?? '') : undefined;
    return (
      <>
        {from ? (
          <div className="preview-actions">
            <RegisterModelButton from={from} />
          </div>
        ) : null}
        {summary ? <MlmodelView summary={summary} /> : null}
        <pre className="code">{text}</pre>
      </>
    );
  }
  return <pre className="code">{text}</pre>;
}

/** The `MLmodel` summary: flavors and the signature. */
export function MlmodelView({ summary }: { summary: MlmodelSummary }) {
  return (
    <section className="mlmodel-summary" aria-label="MLmodel summary">
      <dl className="facts">
        {summary.artifactPath ? (
          <>
            <dt>Artifact path</dt>
            <dd>{summary.artifactPath}</dd>
          </>
        ) : null}
        {summary.created ? (
          <>
            <dt>Created</dt>
            <dd>{summary.created}</dd>
          </>
        ) : null}
        <dt>Flavors</dt>
        <dd>
          <ul>
            {summary.flavors.map((f) => (
              <li key={f.name}>
                <strong>{f.name}</strong> {f.details}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      <SignatureTables summary={summary} />
    </section>
  );
}
