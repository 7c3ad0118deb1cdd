export type { ChatMessage, ChatTemplateOptions } from './tokenizer.js';
export { Tokenizer, TokenizerStream } from './tokenizer.js';
