import { useEffect, useState } from 'react';
import { artifactUrl } from '../api/client.js';
import { listArtifacts } from '../api/endpoints.js';
import type { FileInfo } from '../api/types.js';
import { formatBytes } from '../lib/format.js';
import {
  type MlmodelSummary,
  parseCsv,
  previewKind,
  type SignatureColumn,
  summarizeMlmodel,
} from '../lib/preview.js';
import { useAsync } from '../lib/use-async.js';
import { Empty, ErrorBox, Loading } from './states.js';

const MAX_PREVIEW = 2 * 1024 * 1024;

/** Props of the artifact browser. */
export interface ArtifactBrowserProps {
  runId: string;
  /** The selected file (kept in the URL by the caller). */
  selected?: string;
  onSelect: (path: string) => void;
}

/** A run's artifacts: a lazily loaded folder tree with sizes, and a preview of the selected file. */
export function ArtifactBrowser(props: ArtifactBrowserProps) {
  const root = useAsync(() => listArtifacts(props.runId), [props.runId]);
  const file = props.selected;
  return (
    <div className="artifact-browser">
      <div className="artifact-tree" role="tree" aria-label="Artifacts">
        {root.error ? <ErrorBox error={root.error} /> : null}
        {!root.data && !root.error ? <Loading what="Loading artifacts" /> : null}
        {root.data?.length === 0 ? <Empty>No artifacts recorded for this run.</Empty> : null}
        {root.data?.map((f) => (
          <TreeNode
            key={f.path}
            runId={props.runId}
            file={f}
            depth={0}
            selected={file}
            onSelect={props.onSelect}
          />
        ))}
      </div>
      <div className="artifact-preview">
        {file ? <Preview runId={props.runId} path={file} /> : <Empty>Select a file to preview it.</Empty>}
      </div>
    </div>
  );
}

function TreeNode(props: {
  runId: string;
  file: FileInfo;
  depth: number;
  selected?: string;
  onSelect: (path: string) => void;
}) {
  const { file } = props;
  const name = file.path.split('/').pop() ?? file.path;
  const inside = props.selected?.startsWith(`${file.path}/`) ?? false;
  const [open, setOpen] = useState(inside);
  const [children, setChildren] = useState<FileInfo[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (open && file.is_dir && children === undefined)
      listArtifacts(props.runId, file.path).then(setChildren, setError);
  }, [open, file, children, props.runId]);
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

/** The preview of one artifact: text, JSON, YAML, CSV as a table, images, and an `MLmodel` summary. */
export function Preview({ runId, path }: { runId: string; path: string }) {
  const kind = previewKind(path);
  const url = artifactUrl(runId, path);
  const text = useAsync(
    async (signal) => {
      if (kind === 'image' || kind === 'none') return '';
      const res = await fetch(url, { signal });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { message?: string };
        throw new Error(body.message ?? `Cannot read ${path} (HTTP ${res.status})`);
      }
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
          <TextPreview kind={kind} text={text.data ?? ''} path={path} />
        )
      ) : null}
    </div>
  );
}

function TextPreview({ kind, text, path }: { kind: string; text: string; path: string }) {
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
    return (
      <>
        {summary ? <MlmodelView summary={summary} /> : null}
        <pre className="code">{text}</pre>
      </>
    );
  }
  return <pre className="code">{text}</pre>;
}

function Signature({ title, columns }: { title: string; columns?: SignatureColumn[] }) {
  if (!columns) return null;
  return (
    <div>
      <h4>{title}</h4>
      <table className="data-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Shape</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: unnamed tensor columns have only a position.
            <tr key={i}>
              <td>{c.name ?? `(${i})`}</td>
              <td>
                {c.type}
                {c.optional ? ' (optional)' : ''}
              </td>
              <td>{c.shape ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
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
      {summary.inputs || summary.outputs ? (
        <div className="signature">
          <Signature title="Inputs" columns={summary.inputs} />
          <Signature title="Outputs" columns={summary.outputs} />
          <Signature title="Params" columns={summary.params} />
        </div>
      ) : (
        <p className="muted">This model has no signature.</p>
      )}
    </section>
  );
}
