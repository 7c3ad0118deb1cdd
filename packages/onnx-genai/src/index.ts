export type { DecoderConfig, GenaiConfig, SearchOptions, SessionOptions } from './config.js';
export {
  DECODER_ONLY_TYPES,
  GenaiConfigError,
  parseGenaiConfig,
  readGenaiConfig,
  SEARCH_DEFAULTS,
  validateSearch,
} from './config.js';
export { Generator, GeneratorParams, generate, Model } from './generator.js';
export type { Candidates } from './sampling.js';
export { drawCandidate, filterCandidates, seededRandom } from './sampling.js';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer.js';
export { Tokenizer, TokenizerStream } from './tokenizer.js';
