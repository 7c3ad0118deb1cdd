// What the generation worker and `WorkerGenerator` say to each other, and how errors cross between them.
// Both sides import this module; it loads nothing heavy.
import { ErrorCode, isMlflowError, MlflowError } from '@flowline/core';
import type { ChatMessage, Generated } from '../../llm.js';

/** An error across the thread boundary: an `MlflowError`'s code and message, or any error's message. */
export interface SerializedError {
  error_code?: string;
  message: string;
}

/** The worker's counters, as of its last message. */
export interface GenerationWorkerStats {
  /** Generations the worker started. */
  generations: number;
  /** Tokens those generations made. */
  generatedTokens: number;
}

/** What the worker is started with (its `workerData`): the model folder and its flavor config. */
export interface GenerationWorkerData {
  dir: string;
  config: Record<string, unknown>;
}

/** Main thread → worker. At most one `generate` is in flight: the main thread queues the rest. */
export type ToGenerationWorker =
  | { type: 'generate'; id: number; input: string | ChatMessage[]; options: Record<string, unknown> }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

/** Worker → main thread. */
export type FromGenerationWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'text'; id: number; text: string; tokens: number }
  | { type: 'done'; id: number; result: Generated; stats: GenerationWorkerStats }
  | { type: 'error'; id: number; error: SerializedError; stats: GenerationWorkerStats };

/** An error as the other thread rebuilds it (`reviveError`). */
export function serializeError(error: unknown): SerializedError {
  if (isMlflowError(error)) return { error_code: error.errorCode, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** A serialized error rebuilt: an `MlflowError` with its code when it had an MLflow code, else an `Error`. */
export function reviveError(error: SerializedError): Error {
  const code = error.error_code;
  return code !== undefined && Object.values<string>(ErrorCode).includes(code)
    ? new MlflowError(code as ErrorCode, error.message)
    : new Error(error.message);
}
