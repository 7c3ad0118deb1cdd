export type { CustomModel, CustomModelSpec, ModelContext } from './custom-js.js';
export { CUSTOM_JS_FLAVOR, customJsFlavor, saveCustomModel } from './custom-js.js';
export type { Flavor, Predictor } from './flavor.js';
export { FlavorRegistry } from './flavor.js';
export { exampleSchema, saveInputExample } from './input-example.js';
export type { ChatMessage, Generated, LlmTaskShape, PrepareGeneration } from './llm.js';
export {
  CHAT_ROLES,
  CHAT_SIGNATURE,
  chatMessages,
  LLM_TEXT_TASKS,
  llmPredictor,
  llmRequest,
  streamed,
  usage,
} from './llm.js';
export type { MLModel, SavedInputExampleInfo } from './mlmodel.js';
export {
  createMLModel,
  parseMLmodel,
  readMLmodel,
  serializeMLmodel,
  utcTimestamp,
  writeMLmodel,
} from './mlmodel.js';
export type {
  LoadedModel,
  LoadModelContext,
  LoggedModel,
  LogModelOptions,
  SaveModelOptions,
} from './models.js';
export { defaultFlavors, loadModel, localModelFolder, logModel, saveModel } from './models.js';
export type { OnnxModelSpec } from './onnx.js';
export { ONNX_FLAVOR, onnxFlavor, saveOnnxModel } from './onnx.js';
export type { AnswerOptions, OnnxGenaiModelSpec, OnnxGenaiSession } from './onnx-genai.js';
export {
  continueText,
  GROWING_CACHE,
  generateText,
  importOnnxGenai,
  loadOnnxGenai,
  ONNX_GENAI_FLAVOR,
  ONNX_GENAI_SEARCH_PARAMS,
  onnxGenaiFlavor,
  onnxGenaiFolder,
  saveOnnxGenaiModel,
} from './onnx-genai.js';
export { pythonJson } from './python-json.js';
export type { Row } from './signature/enforce.js';
export { convertValue, enforceColumns, enforceInput, enforceParams, toRows } from './signature/enforce.js';
export type { TensorLike } from './signature/infer.js';
export { inferDataType, inferParams, inferSchema, inferSignature } from './signature/infer.js';
export { enforceTensorSpec, enforceTensors } from './signature/tensors.js';
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
export type { TransformersModelSpec, TransformersTask } from './transformers.js';
export {
  saveTransformersModel,
  TRANSFORMERS_FLAVOR,
  TRANSFORMERS_TASKS,
  transformersFlavor,
} from './transformers.js';
