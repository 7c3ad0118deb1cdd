import type { Dataset, DatasetInput, Metric, Param, RunTag } from './entities.js';
import { MlflowError } from './errors.js';

/** MLflow's limits on names, values and batches, in one place. */
export const Limits = {
  maxEntityKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 8000,
  maxExperimentTagValueLength: 5000,
  maxExperimentNameLength: 500,
  /** The experiments.name column is VARCHAR(256) in MLflow's schema. */
  maxStoredExperimentNameLength: 256,
  maxArtifactLocationLength: 256,
  maxRunNameLength: 250,
  maxMetricsPerBatch: 1000,
  maxParamsTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  maxDatasetsPerRequest: 1000,
  maxDatasetNameLength: 500,
  maxDatasetDigestLength: 36,
  maxDatasetSourceTypeLength: 36,
  maxDatasetSchemaLength: 1_048_575,
  maxDatasetSourceLength: 65_535,
  maxDatasetProfileLength: 16_777_215,
  maxInputTagKeyLength: 255,
  maxInputTagValueLength: 500,
  maxSearchRunsResults: 50_000,
  defaultSearchRunsResults: 1000,
  maxSearchExperimentsResults: 50_000,
  defaultSearchExperimentsResults: 1000,
  maxBulkIntervalRuns: 100,
  maxBulkIntervalResults: 2500,
  maxSearchDatasetsExperiments: 20,
} as const;

// Python's \w is Unicode-aware, so letters and digits of any script are allowed, as in MLflow.
const KEY_PATTERN = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;
const RUN_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,63}$/;

/** POSIX `normpath`, as Python's `posixpath.normpath` computes it (used by MLflow's key rule). */
export function normalizePosixPath(path: string): string {
  if (path === '') return '.';
  const leading = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (
      part === '..' &&
      ((leading === 0 && out.length > 0 && out.at(-1) !== '..') || (leading > 0 && out.length > 0))
    ) {
      out.pop();
    } else if (part === '..' && leading > 0) {
      // `..` at the root stays at the root.
    } else {
      out.push(part);
    }
  }
  const joined = '/'.repeat(leading) + out.join('/');
  return joined === '' ? '.' : joined;
}

function requireString(value: unknown, name: string): string {
  if (value === undefined || value === null || value === '') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter '${name}'.`);
  }
  if (typeof value !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: it must be a string.`,
    );
  }
  return value;
}

/**
 * Checks a metric, param or tag key as MLflow does: at most 250 characters of letters, digits, `_`, `-`,
 * `.`, space, `:` and `/`, and a "unique path" (no `//`, `./`, `..`, leading or trailing `/`).
 */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  const k = requireString(key, 'key');
  if (!KEY_PATTERN.test(k)) {
    throw MlflowError.invalidParameterValue(
      `Invalid ${kind} name: '${k}'. Names may only contain alphanumerics, underscores (_), dashes (-), ` +
        'periods (.), spaces ( ), colons (:) and slashes (/).',
    );
  }
  const normalized = normalizePosixPath(k);
  if (normalized !== k || k === '.' || k.startsWith('..') || k.startsWith('/')) {
    throw MlflowError.invalidParameterValue(
      `Invalid ${kind} name: '${k}'. Names may be treated as files in certain cases, and must not resolve ` +
        `to other names when treated as such. This name would resolve to '${normalized}'.`,
    );
  }
  validateLength(k, Limits.maxEntityKeyLength, `${kind} key`);
  return k;
}

/** Throws when `value` is longer than `max` characters, naming what was too long. */
export function validateLength(value: string, max: number, what: string): void {
  if (value.length > max) {
    throw MlflowError.invalidParameterValue(
      `'${what}' exceeds the maximum length of ${max} characters (got ${value.length}).`,
    );
  }
}

/** How over-long param and tag values are handled (MLflow's `MLFLOW_TRUNCATE_LONG_VALUES`, default on). */
export interface ValueLengthPolicy {
  /** Cut a value over its limit down to the limit instead of refusing it. */
  truncate?: boolean;
}

function limitValue(value: string, max: number, what: string, policy: ValueLengthPolicy): string {
  if (value.length <= max) return value;
  if (policy.truncate) return value.slice(0, max);
  validateLength(value, max, what);
  return value;
}

/** Checks a param: a valid key and a string value of at most 6000 characters (or cut to it, as MLflow). */
export function validateParam(param: Param, policy: ValueLengthPolicy = {}): Param {
  const key = validateKey('param', param?.key);
  const value = param.value ?? '';
  if (typeof value !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter 'params[${key}].value' supplied: it must be a string.`,
    );
  }
  return { key, value: limitValue(value, Limits.maxParamValueLength, 'Param value', policy) };
}

/** Checks a run tag: a valid key and a string value of at most 8000 characters (or cut to it, as MLflow). */
export function validateTag(tag: RunTag, policy: ValueLengthPolicy = {}): RunTag {
  const key = validateKey('tag', tag?.key);
  const value = tag.value ?? '';
  if (typeof value !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter 'tags[${key}].value' supplied: it must be a string.`,
    );
  }
  return { key, value: limitValue(value, Limits.maxTagValueLength, `tags[${key}].value`, policy) };
}

/** Checks an experiment tag: a valid key and a value of at most 5000 characters. */
export function validateExperimentTag(tag: RunTag): RunTag {
  const key = validateKey('tag', tag?.key);
  const value = tag.value ?? '';
  if (typeof value !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Invalid value for experiment tag '${key}': it must be a string.`,
    );
  }
  validateLength(value, Limits.maxExperimentTagValueLength, `tags[${key}].value`);
  return { key, value };
}

function requireNumber(value: unknown, name: string, hint: string): number {
  if (value === undefined || value === null) {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter '${name}'.`);
  }
  if (typeof value !== 'number') {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: ${hint}`,
    );
  }
  return value;
}

/**
 * Checks a metric: valid key, numeric value (NaN and ±Infinity allowed), integer timestamp ≥ 0 and integer step.
 */
export function validateMetric(metric: Metric): Metric {
  const key = validateKey('metric', metric?.key);
  const value = requireNumber(
    metric.value,
    `metrics[${key}].value`,
    'it must be a number (NaN and ±Infinity allowed).',
  );
  const timestamp = requireNumber(
    metric.timestamp,
    `metrics[${key}].timestamp`,
    'it must be a non-negative integer of milliseconds.',
  );
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${timestamp} for parameter 'metrics[${key}].timestamp' supplied: it must be a non-negative integer of milliseconds.`,
    );
  }
  const step = metric.step ?? 0;
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${JSON.stringify(step)} for parameter 'metrics[${key}].step' supplied: it must be an integer.`,
    );
  }
  return { key, value, timestamp, step };
}

/** Checks MLflow's log-batch limits: ≤1000 metrics, ≤100 params, ≤100 tags, ≤1000 entities. */
export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, max: number, got: number) =>
    MlflowError.invalidParameterValue(
      `A batch logging request can contain at most ${max} ${what}. Got ${got} ${what}. ` +
        'Split the data into several log-batch calls.',
    );
  if (metrics > Limits.maxMetricsPerBatch) throw over('metrics', Limits.maxMetricsPerBatch, metrics);
  if (params > Limits.maxParamsTagsPerBatch) throw over('params', Limits.maxParamsTagsPerBatch, params);
  if (tags > Limits.maxParamsTagsPerBatch) throw over('tags', Limits.maxParamsTagsPerBatch, tags);
  const total = metrics + params + tags;
  if (total > Limits.maxEntitiesPerBatch) {
    throw MlflowError.invalidParameterValue(
      `A batch logging request can contain at most ${Limits.maxEntitiesPerBatch} metrics, params and tags ` +
        `in total. Got ${total}. Split the data into several log-batch calls.`,
    );
  }
}

/** Checks an experiment name: a non-empty string of at most 256 characters (MLflow's column size). */
export function validateExperimentName(name: unknown): string {
  const n = requireString(name, 'name');
  if (n.trim() === '') throw MlflowError.invalidParameterValue('An experiment name must not be blank.');
  validateLength(n, Limits.maxStoredExperimentNameLength, 'name');
  return n;
}

/** Checks a run id's shape (MLflow's `^[a-zA-Z0-9][\w-]{0,255}$`). */
export function validateRunId(runId: unknown): string {
  const id = requireString(runId, 'run_id');
  if (!RUN_ID_PATTERN.test(id)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value '${id}' for parameter 'run_id': not a valid run id.`,
    );
  }
  return id;
}

/** Checks an experiment id's shape (MLflow's `^[a-zA-Z0-9][\w-]{0,63}$`). */
export function validateExperimentId(experimentId: unknown): string {
  const id =
    typeof experimentId === 'number' ? String(experimentId) : requireString(experimentId, 'experiment_id');
  if (!EXPERIMENT_ID_PATTERN.test(id)) {
    throw MlflowError.invalidParameterValue(
      `Invalid value '${id}' for parameter 'experiment_id': not a valid experiment id.`,
    );
  }
  return id;
}

/** Checks an artifact location: MLflow refuses `runs:` URIs and URL fragments or query strings. */
export function validateArtifactLocation(location: string, cwd?: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase() ?? '';
  const withoutFragment = location.split('#')[0]!;
  const [beforeQuery, ...queryParts] = withoutFragment.split('?');
  const lastSegment = beforeQuery!.slice(beforeQuery!.lastIndexOf('/') + 1);
  // Python's urlparse finds `;params` only for the schemes that use them.
  const hasParams = PARAM_SCHEMES.has(scheme) && lastSegment.includes(';');
  if (location.includes('#') || hasParams) {
    throw MlflowError.invalidParameterValue("'artifact_location' URL can't include fragments or params.");
  }
  if (decodeRepeatedly(queryParts.join('?')).includes('..')) {
    throw MlflowError.invalidParameterValue('Invalid query string');
  }
  if (scheme === 'runs') {
    throw MlflowError.invalidParameterValue(`Artifact location cannot be a runs:/ URI. Given: '${location}'`);
  }
  const resolved = cwd === undefined ? location : resolveIfLocal(location, scheme, cwd);
  validateLength(resolved, Limits.maxArtifactLocationLength, 'artifact_location');
  return resolved;
}

const PARAM_SCHEMES = new Set([
  '',
  'ftp',
  'hdl',
  'prospero',
  'http',
  'imap',
  'https',
  'shttp',
  'rtsp',
  'rtspu',
]);
for (const s of ['sip', 'sips', 'mms', 'sftp', 'tel']) PARAM_SCHEMES.add(s);

function decodeRepeatedly(text: string): string {
  let current = text;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current.replaceAll('+', ' '));
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * MLflow's `resolve_uri_if_local`: a relative local location (a plain path or `file:rel`) becomes absolute
 * against the server's working folder (a plain path stays a plain path; `.` parts go, `..` parts stay).
 */
function resolveIfLocal(location: string, scheme: string, cwd: string): string {
  if (scheme !== '' && scheme !== 'file') return location;
  const path = scheme === 'file' ? location.slice('file:'.length) : location;
  if (path.startsWith('/')) return location;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const absolute = [cwd.replace(/\/+$/, ''), ...parts].join('/');
  return scheme === 'file' ? `file://${absolute}` : absolute;
}

function validateDataset(dataset: Dataset): Dataset {
  if (!dataset || typeof dataset !== 'object') {
    throw MlflowError.invalidParameterValue(`Missing value for required parameter 'dataset'.`);
  }
  const name = requireString(dataset.name, 'dataset.name');
  const digest = requireString(dataset.digest, 'dataset.digest');
  const sourceType = requireString(dataset.sourceType, 'dataset.source_type');
  const source = requireString(dataset.source, 'dataset.source');
  validateLength(name, Limits.maxDatasetNameLength, 'dataset.name');
  validateLength(digest, Limits.maxDatasetDigestLength, 'dataset.digest');
  validateLength(sourceType, Limits.maxDatasetSourceTypeLength, 'dataset.source_type');
  validateLength(source, Limits.maxDatasetSourceLength, 'dataset.source');
  if (dataset.schema) validateLength(dataset.schema, Limits.maxDatasetSchemaLength, 'dataset.schema');
  if (dataset.profile) validateLength(dataset.profile, Limits.maxDatasetProfileLength, 'dataset.profile');
  return {
    name,
    digest,
    sourceType,
    source,
    schema: dataset.schema ?? null,
    profile: dataset.profile ?? null,
  };
}

/** Checks dataset inputs as MLflow does: at most 1000, each with a valid dataset and short tags. */
export function validateDatasetInputs(inputs: DatasetInput[]): DatasetInput[] {
  if (inputs.length > Limits.maxDatasetsPerRequest) {
    throw MlflowError.invalidParameterValue(
      `At most ${Limits.maxDatasetsPerRequest} datasets can be logged in one request. Got ${inputs.length}.`,
    );
  }
  return inputs.map((input) => ({
    dataset: validateDataset(input?.dataset),
    tags: (input.tags ?? []).map((tag) => {
      const key = requireString(tag?.key, 'input_tag.key');
      const value = requireString(tag.value, 'input_tag.value');
      validateLength(key, Limits.maxInputTagKeyLength, 'input_tag.key');
      validateLength(value, Limits.maxInputTagValueLength, 'input_tag.value');
      return { key, value };
    }),
  }));
}

/** Checks a `max_results` value against a ceiling, returning the default when it is absent. */
export function validateMaxResults(value: number | undefined, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  // MLflow's tracking store wording (`_validate_max_results_param`).
  if (!Number.isInteger(value) || value < 1) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${value} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  if (value > max) {
    throw MlflowError.invalidParameterValue(
      `Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${max}`,
    );
  }
  return value;
}
