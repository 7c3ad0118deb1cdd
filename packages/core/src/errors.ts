/** MLflow's error codes (the `error_code` field of an error response), as named in MLflow's protos. */
export const ErrorCode = {
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  TEMPORARILY_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  IO_ERROR: 'IO_ERROR',
  BAD_REQUEST: 'BAD_REQUEST',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  CANCELLED: 'CANCELLED',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  ABORTED: 'ABORTED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_PARAMETER_VALUE: 'INVALID_PARAMETER_VALUE',
  ENDPOINT_NOT_FOUND: 'ENDPOINT_NOT_FOUND',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  INVALID_STATE: 'INVALID_STATE',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  FEATURE_DISABLED: 'FEATURE_DISABLED',
  CUSTOMER_UNAUTHORIZED: 'CUSTOMER_UNAUTHORIZED',
  REQUEST_LIMIT_EXCEEDED: 'REQUEST_LIMIT_EXCEEDED',
  RESOURCE_CONFLICT: 'RESOURCE_CONFLICT',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  DATA_LOSS: 'DATA_LOSS',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  RESOURCE_ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_DOES_NOT_EXIST',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  RESOURCE_LIMIT_EXCEEDED: 'RESOURCE_LIMIT_EXCEEDED',
} as const;

/** One of MLflow's error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status per error code, as MLflow's server maps them; codes not listed answer 500. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  INVALID_STATE_TRANSITION: 400,
  // MLflow keeps the legacy mapping: duplicates are 400, not 409.
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  QUOTA_EXCEEDED: 429,
  CANCELLED: 499,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The HTTP status MLflow's server answers for an error code (500 when the code has no mapping). */
export function httpStatusFor(code: string): number {
  return HTTP_STATUS[code as ErrorCode] ?? 500;
}

/** An error a client can act on, carrying MLflow's `error_code`; its HTTP status comes from one table. */
export class MlflowError extends Error {
  readonly errorCode: ErrorCode;
  /** Brand checked by `isMlflowError`, so errors from another copy of this package still match. */
  readonly isMlflowError: true = true;

  constructor(errorCode: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowError';
    this.errorCode = errorCode;
  }

  /** The HTTP status MLflow's server answers for this error. */
  get httpStatus(): number {
    return httpStatusFor(this.errorCode);
  }

  /** The error as MLflow's JSON body: `{ error_code, message }`. */
  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }

  /** A 400 `INVALID_PARAMETER_VALUE` error. */
  static invalidParameterValue(message: string, options?: { cause?: unknown }): MlflowError {
    return new MlflowError(ErrorCode.INVALID_PARAMETER_VALUE, message, options);
  }

  /** A 404 `RESOURCE_DOES_NOT_EXIST` error. */
  static resourceDoesNotExist(message: string, options?: { cause?: unknown }): MlflowError {
    return new MlflowError(ErrorCode.RESOURCE_DOES_NOT_EXIST, message, options);
  }

  /** A 400 `RESOURCE_ALREADY_EXISTS` error (MLflow's legacy mapping). */
  static resourceAlreadyExists(message: string, options?: { cause?: unknown }): MlflowError {
    return new MlflowError(ErrorCode.RESOURCE_ALREADY_EXISTS, message, options);
  }

  /** A 500 `INVALID_STATE` error, as MLflow answers for renaming a deleted experiment. */
  static invalidState(message: string, options?: { cause?: unknown }): MlflowError {
    return new MlflowError(ErrorCode.INVALID_STATE, message, options);
  }

  /** A 500 `INTERNAL_ERROR`. */
  static internal(message: string, options?: { cause?: unknown }): MlflowError {
    return new MlflowError(ErrorCode.INTERNAL_ERROR, message, options);
  }
}

/** True for an `MlflowError` from any copy of this package (checked by brand, not `instanceof`). */
export function isMlflowError(value: unknown): value is MlflowError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isMlflowError?: unknown }).isMlflowError === true &&
    typeof (value as { errorCode?: unknown }).errorCode === 'string'
  );
}

/**
 * The error an HTTP client should raise for a failed response: MLflow's own `{error_code, message}` when
 * the body is that JSON, else a code chosen by the status, with `what` and the start of the body.
 */
export function errorFromHttpResponse(status: number, bodyText: string, what: string): MlflowError {
  try {
    const body = JSON.parse(bodyText) as { error_code?: unknown; message?: unknown };
    if (body && typeof body.error_code === 'string') {
      return new MlflowError(
        body.error_code as ErrorCode,
        typeof body.message === 'string' ? body.message : `${what} failed`,
      );
    }
  } catch {
    // Not MLflow's JSON: fall through to a code chosen by the status.
  }
  const code =
    status === 404
      ? ErrorCode.ENDPOINT_NOT_FOUND
      : status === 401
        ? ErrorCode.UNAUTHENTICATED
        : status === 403
          ? ErrorCode.PERMISSION_DENIED
          : status >= 500
            ? ErrorCode.INTERNAL_ERROR
            : ErrorCode.BAD_REQUEST;
  return new MlflowError(code, `${what} failed with HTTP ${status}: ${bodyText.slice(0, 500)}`);
}
