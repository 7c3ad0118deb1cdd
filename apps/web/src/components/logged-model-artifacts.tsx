import { useEffect, useState } from 'react';
import {
  type LoggedModelFile,
  listLoggedModelArtifacts,
  loggedModelArtifactUrl,
} from '../api/logged-models.js';
import { formatBytes } from '../lib/format.js';
import { type MlmodelSummary, previewKind, summarizeMlmodel } from '../lib/preview.js';
import { useAsync } from '../lib/use-async.js';
import { MlmodelView } from './artifact-browser.js';
import { Empty, ErrorBox, Loading } from './states.js';

const MAX_PREVIEW = 2 * 1024 * 1024;

/** Props of a logged model's artifact browser. */
export interface LoggedModelArtifactsProps {
  modelId: string;
  /** The selected file (kept in the URL by the caller). */
  selected?: string;
  onSelect: (path: string) => void;
}

/**
 * A logged model's files at its artifact location (MLflow's `logged-models/{id}/artifacts/directories`),
 * as a lazily loaded tree with sizes, and a preview of the selected file (`artifacts/files`): text, JSON,
 * images, and the `MLmodel` summary (flavors, signature).
 */
export function LoggedModelArtifacts({ modelId, selected, onSelect }: LoggedModelArtifactsProps) {
  const root = useAsync(() => listLoggedModelArtifacts(modelId), [modelId]);
  return (
    <div className="artifact-browser">
      <div className="artifact-tree" role="tree" aria-label="Model artifacts">
        {root.error ? <ErrorBox error={root.error} /> : null}
        {!root.data && !root.error ? <Loading what="Loading artifacts" /> : null}
        {root.data?.length === 0 ? <Empty>No files stored for this model.</Empty> : null}
        {root.data?.map((f) => (
          <Node key={f.path} modelId={modelId} file={f} depth={0} selected={selected} onSelect={onSelect} />
        ))}
      </div>
      <div className="artifact-preview">
        {selected ? (
          <FilePreview modelId={modelId} path={selected} />
        ) : (
          <Empty>Select a file to preview it.</Empty>
        )}
      </div>
    </div>
  );
}

function Node(props: {
  modelId: string;
  file: LoggedModelFile;
  depth: number;
  selected?: string;
  onSelect: (path: string) => void;
}) {
  const { file } = props;
  const name = file.path.split('/').pop() ?? file.path;
  const [open, setOpen] = useState(props.selected?.startsWith(`${file.path}/`) ?? false);
  const [children, setChildren] = useState<LoggedModelFile[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (open && file.is_dir && children === undefined)
      listLoggedModelArtifacts(props.modelId, file.path).then(setChildren, setError);
  }, [open, file, children, props.modelId]);
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
      {open ? children?.map((c) => <Node key={c.path} {...props} file={c} depth={props.depth + 1} />) : null}
    </div>
  );
}

function FilePreview({ modelId, path }: { modelId: string; path: string }) {
  const kind = previewKind(path);
  const url = loggedModelArtifactUrl(modelId, path);
  const text = useAsync(
    async (signal) => {
      if (kind === 'image' || kind === 'none') return '';
      const res = await fetch(url, { signal });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { message?: string };
        throw new Error(body.message ?? `Cannot read ${path} (HTTP ${res.status})`);
      }
      if (Number(res.headers.get('content-length') ?? 0) > MAX_PREVIEW) return null;
      return res.text();
    },
    [url, kind],
  );
  let summary: MlmodelSummary | undefined;
  if (kind === 'mlmodel' && text.data) {
    try {
      summary = summarizeMlmodel(text.data);
    } catch {
      summary = undefined;
    }
  }
  let shown = text.data ?? '';
  if (kind === 'json') {
    try {
      shown = JSON.stringify(JSON.parse(shown), null, 2);
    } catch {
      // Not valid JSON: show it as it is.
    }
  }
  return (
    <div className="preview" data-kind={kind}>
      <div className="preview-head">
        <strong>{path}</strong>
        <a href={url} download={path.split('/').pop()}>
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
          <>
            {summary ? <MlmodelView summary={summary} /> : null}
            <pre className="code">{shown}</pre>
          </>
        )
      ) : null}
    </div>
  );
}
