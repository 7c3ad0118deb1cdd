export type { AdapterFile, AdapterParameter } from './adapters.js';
export { Adapters, parseAdapterFile } from './adapters.js';
export type { BeamOptions, BeamStep } from './beam-search.js';
export { BeamSearch, logSoftmax } from './beam-search.js';
export type { DecoderConfig, GenaiConfig, SearchOptions, SessionOptions } from './config.js';
export {
  DECODER_ONLY_TYPES,
  EXTRA_SEARCH_OPTIONS,
  parseGenaiConfig,
  readGenaiConfig,
  SEARCH_DEFAULTS,
  validateSearch,
} from './config.js';
export { Config } from './config-builder.js';
export type { EngineStats } from './engine.js';
export { Engine } from './engine.js';
export type { EngineSettings } from './engine-config.js';
export { ENGINE_DEFAULTS, parseEngineSettings } from './engine-config.js';
export type { GenaiErrorCode } from './errors.js';
export { GenaiConfigError, GenaiError } from './errors.js';
export type { TokenInput } from './generator.js';
export { Generator, GeneratorParams, generate } from './generator.js';
export type { Guidance, GuidanceState, GuidanceType, Vocabulary } from './guidance/index.js';
export { checkGuidance, compileGuidance, responseFormatGuidance, vocabularyOf } from './guidance/index.js';
export type { StepLogprobs, TokenLogprob } from './logits.js';
export {
  bannedByNgrams,
  halfToFloat,
  processLogits,
  readLogits,
  stepLogprobs,
  tokenLogprob,
  topLogprobs,
} from './logits.js';
export type { ModelIoTypes, ModelLoadOptions } from './model.js';
export { Model } from './model.js';
export type { RequestOptions } from './request.js';
export { Request } from './request.js';
export type { Candidates } from './sampling.js';
export { drawCandidate, filterCandidates, seededRandom } from './sampling.js';
export type { SessionOverrides } from './session-options.js';
export { ortSessionOptions, providerName } from './session-options.js';
export type { ChatMessage, ChatTemplateOptions, ChatTool, TokenizerSource } from './tokenizer.js';
export { Tokenizer, TokenizerStream } from './tokenizer.js';
export type {
  FinishReason,
  GenerateOptions,
  Generation,
  GenerationResult,
  WorkerEngineOptions,
  WorkerEngineStats,
} from './worker-engine.js';
export { WorkerEngine } from './worker-engine.js';
