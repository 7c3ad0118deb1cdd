import { parse as parseYaml } from 'yaml';

/** How an artifact is previewed, from its name. */
export type PreviewKind = 'image' | 'json' | 'yaml' | 'csv' | 'mlmodel' | 'text' | 'none';

const IMAGE = /\.(png|jpe?g|gif|svg|webp|bmp|ico)$/i;
const TEXT =
  /\.(txt|log|md|py|ts|js|mjs|sh|toml|cfg|ini|conf|xml|html?|css|r|sql|ipynb|jsonl|ndjson|properties|requirements|lock|env|java|scala|go|rs|c|h|cpp)$/i;

/** The preview kind for a file name; files with no extension (LICENSE, MLproject) are shown as text. */
export function previewKind(path: string): PreviewKind {
  const name = path.split('/').pop() ?? path;
  if (name === 'MLmodel') return 'mlmodel';
  if (IMAGE.test(name)) return 'image';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.ya?ml$/i.test(name)) return 'yaml';
  if (/\.(csv|tsv)$/i.test(name)) return 'csv';
  if (TEXT.test(name) || !name.includes('.')) return 'text';
  return 'none';
}

/** Parses CSV (or TSV) with quoted fields, up to `maxRows` rows. */
export function parseCsv(text: string, maxRows = 1000, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === separator) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if ((field !== '' || row.length > 0) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A column of a model signature. */
export interface SignatureColumn {
  name?: string;
  type: string;
  shape?: string;
  optional?: boolean;
}

/** What the UI shows of an `MLmodel` file. */
export interface MlmodelSummary {
  artifactPath?: string;
  runId?: string;
  created?: string;
  modelUuid?: string;
  flavors: { name: string; details: string }[];
  inputs?: SignatureColumn[];
  outputs?: SignatureColumn[];
  params?: SignatureColumn[];
}

function columnsOf(spec: unknown): SignatureColumn[] | undefined {
  if (spec === undefined || spec === null) return undefined;
  let value = spec;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return [{ type: String(spec) }];
    }
  }
  if (!Array.isArray(value)) return undefined;
  return value.map((c: Record<string, unknown>) => {
    const tensor = c['tensor-spec'] as { dtype?: string; shape?: unknown } | undefined;
    return {
      name: typeof c.name === 'string' ? c.name : undefined,
      type: tensor ? `tensor ${tensor.dtype ?? ''}` : String(c.type ?? 'unknown'),
      shape:
        tensor?.shape !== undefined
          ? JSON.stringify(tensor.shape)
          : c.shape !== undefined
            ? JSON.stringify(c.shape)
            : undefined,
      optional: c.required === false || c.optional === true ? true : undefined,
    };
  });
}

/** Reads an `MLmodel` (YAML): flavors, identity and the signature's inputs, outputs and params. */
export function summarizeMlmodel(text: string): MlmodelSummary {
  const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
  const flavors = Object.entries((doc.flavors ?? {}) as Record<string, Record<string, unknown>>).map(
    ([name, f]) => ({
      name,
      details: Object.entries(f ?? {})
        .filter(([, v]) => typeof v !== 'object' || v === null)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join(', '),
    }),
  );
  const signature = (doc.signature ?? {}) as Record<string, unknown>;
  return {
    artifactPath: doc.artifact_path as string | undefined,
    runId: doc.run_id as string | undefined,
    created: doc.utc_time_created as string | undefined,
    modelUuid: doc.model_uuid as string | undefined,
    flavors,
    inputs: columnsOf(signature.inputs),
    outputs: columnsOf(signature.outputs),
    params: columnsOf(signature.params),
  };
}
