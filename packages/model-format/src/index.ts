export { saveInputExample } from './input-example.js';
export type { MLModel, SavedInputExampleInfo } from './mlmodel.js';
export {
  createMLModel,
  parseMLmodel,
  readMLmodel,
  serializeMLmodel,
  utcTimestamp,
  writeMLmodel,
} from './mlmodel.js';
export { pythonJson } from './python-json.js';
export type { Row } from './signature/enforce.js';
export { convertValue, enforceColumns, enforceParams } from './signature/enforce.js';
export type { TensorLike } from './signature/infer.js';
export { inferDataType, inferParams, inferSchema, inferSignature } from './signature/infer.js';
export type {
  ColSpec,
  DataType,
  ModelSignature,
  ParamSpec,
  ScalarType,
  Schema,
  TensorSpec,
} from './signature/types.js';
export {
  paramsFromJson,
  paramsToJson,
  schemaFromJson,
  schemaToJson,
  signatureFromMLmodel,
  signatureToMLmodel,
} from './signature/types.js';
