export { defaultFlavors } from './builtin-flavors.js';
export type {
  Flavor,
  GenerationObserver,
  LazyFlavorOptions,
  ModelMetric,
  PredictOptions,
  Predictor,
  SavedFlavor,
} from './flavor.js';
export { FlavorRegistry } from './flavor.js';
export type { CustomModel, CustomModelSpec, ModelContext } from './flavors/custom-js/index.js';
export type { OnnxModelSpec } from './flavors/onnx/index.js';
export type { AnswerOptions } from './flavors/onnx-genai/generate.js';
export type { OnnxGenaiModelSpec } from './flavors/onnx-genai/index.js';
export type { OpenedOnnxGenai } from './flavors/onnx-genai/open.js';
export type { OnnxGenaiSession } from './flavors/onnx-genai/session.js';
export type { TransformersModelSpec, TransformersTask } from './flavors/transformers/index.js';
export { continueText, generateText, openOnnxGenai } from './generation.js';
export { saveInputExample } from './input-example.js';
export type { ChatMessage, Generated, RunGeneration, TokenLogprob } from './llm.js';
export { CHAT_SIGNATURE } from './llm.js';
export type { LlmFeatures, PrepareLlm, RunChoice } from './llm-predictor.js';
export { generatingPredictor } from './llm-predictor.js';
export type { LlmRequest, ResponseFormat, ToolCall, ToolChoice, ToolDefinition } from './llm-request.js';
export { LLM_REQUEST_FIELDS, readLlmRequest, requestError } from './llm-request.js';
export type { LoadedModel } from './load-model.js';
export { loadModel } from './load-model.js';
export type { LoggedModel, LogModelOptions } from './log-model.js';
export { logModel } from './log-model.js';
export type { MLModel, SavedInputExampleInfo } from './mlmodel.js';
export { createMLModel, parseMLmodel, readMLmodel, serializeMLmodel, writeMLmodel } from './mlmodel.js';
export type { LoadModelContext, ModelFolder } from './model-folder.js';
export { openModelFolder } from './model-folder.js';
export { pythonJson } from './python-json.js';
export type { SaveModelOptions } from './save-model.js';
export { saveModel } from './save-model.js';
export { enforceColumns, enforceParams } from './signature/enforce.js';
export { inferSignature } from './signature/infer.js';
export type {
  ColSpec,
  DataType,
  ModelSignature,
  ParamSpec,
  ScalarType,
  Schema,
  TensorSpec,
} from './signature/types.js';
