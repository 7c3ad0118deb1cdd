import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MlflowError, sortKeysDeep } from '@flowline/core';
import { parse, stringify } from 'yaml';
import { type ModelSignature, signatureFromMLmodel, signatureToMLmodel } from './signature/types.js';

/** How the input example was saved (MLflow's `saved_input_example_info`). */
export interface SavedInputExampleInfo {
  artifact_path: string;
  type: string;
  pandas_orient?: string;
  serving_input_path?: string;
  [key: string]: unknown;
}

/** An `MLmodel` file: a model's metadata, its flavors and signature. */
export interface MLModel {
  artifactPath?: string;
  runId?: string;
  modelUuid: string;
  /** MLflow's `str(datetime.utcnow())` form: `2026-01-15 10:30:45.123456`. */
  utcTimeCreated: string;
  mlflowVersion?: string;
  /** Flavor name → its configuration. */
  flavors: Record<string, Record<string, unknown>>;
  signature?: ModelSignature;
  savedInputExampleInfo?: SavedInputExampleInfo;
  modelSizeBytes?: number;
  metadata?: Record<string, unknown>;
  /** Keys this code does not model, kept so a read-write round trip loses nothing. */
  extra?: Record<string, unknown>;
}

/** The current time as MLflow writes `utc_time_created`. */
export function utcTimestamp(date: Date = new Date()): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** A new MLmodel with a fresh `model_uuid` and creation time. */
export function createMLModel(fields: Partial<MLModel> & { flavors: MLModel['flavors'] }): MLModel {
  return { modelUuid: randomUUID().replaceAll('-', ''), utcTimeCreated: utcTimestamp(), ...fields };
}

const KNOWN = new Set([
  'artifact_path',
  'run_id',
  'model_uuid',
  'utc_time_created',
  'mlflow_version',
  'flavors',
  'signature',
  'saved_input_example_info',
  'model_size_bytes',
  'metadata',
]);

/** The MLmodel YAML as MLflow writes it: block style, keys sorted, signature parts as JSON strings. */
export function serializeMLmodel(model: MLModel): string {
  const doc: Record<string, unknown> = {
    ...model.extra,
    ...(model.artifactPath ? { artifact_path: model.artifactPath } : {}),
    flavors: model.flavors,
    ...(model.metadata ? { metadata: model.metadata } : {}),
    ...(model.mlflowVersion ? { mlflow_version: model.mlflowVersion } : {}),
    ...(model.modelSizeBytes !== undefined ? { model_size_bytes: model.modelSizeBytes } : {}),
    model_uuid: model.modelUuid,
    ...(model.runId ? { run_id: model.runId } : {}),
    ...(model.savedInputExampleInfo ? { saved_input_example_info: model.savedInputExampleInfo } : {}),
    ...(model.signature ? { signature: signatureToMLmodel(model.signature) } : {}),
    utc_time_created: model.utcTimeCreated,
  };
  // YAML 1.1 rules, as PyYAML uses: strings that 1.1 would read as timestamps or booleans get quoted.
  return stringify(sortKeysDeep(doc), {
    version: '1.1',
    lineWidth: 0,
    indent: 2,
    defaultStringType: 'PLAIN',
    defaultKeyType: 'PLAIN',
    singleQuote: true,
  });
}

/** Reads MLmodel YAML (MLflow's or ours); unknown keys are kept in `extra`. */
export function parseMLmodel(text: string): MLModel {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw MlflowError.invalidParameterValue(`MLmodel is not valid YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!doc || typeof doc !== 'object')
    throw MlflowError.invalidParameterValue('MLmodel must be a YAML mapping.');
  if (!doc.flavors || typeof doc.flavors !== 'object')
    throw MlflowError.invalidParameterValue('MLmodel has no flavors; it does not describe a model.');
  const extra = Object.fromEntries(Object.entries(doc).filter(([k]) => !KNOWN.has(k)));
  return {
    ...(typeof doc.artifact_path === 'string' ? { artifactPath: doc.artifact_path } : {}),
    ...(typeof doc.run_id === 'string' ? { runId: doc.run_id } : {}),
    modelUuid: typeof doc.model_uuid === 'string' ? doc.model_uuid : '',
    utcTimeCreated: String(doc.utc_time_created ?? ''),
    ...(typeof doc.mlflow_version === 'string' ? { mlflowVersion: doc.mlflow_version } : {}),
    flavors: doc.flavors as MLModel['flavors'],
    ...(doc.signature && typeof doc.signature === 'object'
      ? { signature: signatureFromMLmodel(doc.signature as Record<string, unknown>) }
      : {}),
    ...(doc.saved_input_example_info
      ? { savedInputExampleInfo: doc.saved_input_example_info as SavedInputExampleInfo }
      : {}),
    ...(typeof doc.model_size_bytes === 'number' ? { modelSizeBytes: doc.model_size_bytes } : {}),
    ...(doc.metadata && typeof doc.metadata === 'object'
      ? { metadata: doc.metadata as Record<string, unknown> }
      : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** Reads `<dir>/MLmodel`. */
export async function readMLmodel(dir: string): Promise<MLModel> {
  let text: string;
  try {
    text = await readFile(join(dir, 'MLmodel'), 'utf8');
  } catch (cause) {
    throw MlflowError.resourceDoesNotExist(`No MLmodel file in ${dir}; is this a model folder?`, { cause });
  }
  return parseMLmodel(text);
}

/** Writes `<dir>/MLmodel`. */
export async function writeMLmodel(dir: string, model: MLModel): Promise<void> {
  await writeFile(join(dir, 'MLmodel'), serializeMLmodel(model));
}
