/** What went wrong, for callers that map errors (an HTTP layer, a CLI exit code). */
export type GenaiErrorCode = 'INVALID_CONFIG' | 'INVALID_ARGUMENT' | 'INVALID_STATE' | 'PROVIDER_UNAVAILABLE';

/** Every error this package raises on purpose: a message that says what to do, and a `code`. */
export class GenaiError extends Error {
  override name = 'GenaiError';
  readonly code: GenaiErrorCode;

  constructor(code: GenaiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Raised for a `genai_config.json` that ONNX Runtime GenAI would refuse; the message names the key. */
export class GenaiConfigError extends GenaiError {
  override name = 'GenaiConfigError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_CONFIG', message, options);
  }
}
