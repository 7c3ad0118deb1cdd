/** MLflow's error codes (the `error_code` field of an error response): every name of MLflow's `ErrorCode` proto enum. */
export const ErrorCode = {
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  TEMPORARILY_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  IO_ERROR: 'IO_ERROR',
  BAD_REQUEST: 'BAD_REQUEST',
  SERVICE_UNDER_MAINTENANCE: 'SERVICE_UNDER_MAINTENANCE',
  WORKSPACE_TEMPORARILY_UNAVAILABLE: 'WORKSPACE_TEMPORARILY_UNAVAILABLE',
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
  UNPARSEABLE_HTTP_ERROR: 'UNPARSEABLE_HTTP_ERROR',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  DATA_LOSS: 'DATA_LOSS',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  COULD_NOT_ACQUIRE_LOCK: 'COULD_NOT_ACQUIRE_LOCK',
  RESOURCE_ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_DOES_NOT_EXIST',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  MAX_BLOCK_SIZE_EXCEEDED: 'MAX_BLOCK_SIZE_EXCEEDED',
  MAX_READ_SIZE_EXCEEDED: 'MAX_READ_SIZE_EXCEEDED',
  PARTIAL_DELETE: 'PARTIAL_DELETE',
  MAX_LIST_SIZE_EXCEEDED: 'MAX_LIST_SIZE_EXCEEDED',
  DRY_RUN_FAILED: 'DRY_RUN_FAILED',
  RESOURCE_LIMIT_EXCEEDED: 'RESOURCE_LIMIT_EXCEEDED',
  DIRECTORY_NOT_EMPTY: 'DIRECTORY_NOT_EMPTY',
  DIRECTORY_PROTECTED: 'DIRECTORY_PROTECTED',
  MAX_NOTEBOOK_SIZE_EXCEEDED: 'MAX_NOTEBOOK_SIZE_EXCEEDED',
  MAX_CHILD_NODE_SIZE_EXCEEDED: 'MAX_CHILD_NODE_SIZE_EXCEEDED',
  SEARCH_QUERY_TOO_LONG: 'SEARCH_QUERY_TOO_LONG',
  SEARCH_QUERY_TOO_SHORT: 'SEARCH_QUERY_TOO_SHORT',
  MANAGED_RESOURCE_GROUP_DOES_NOT_EXIST: 'MANAGED_RESOURCE_GROUP_DOES_NOT_EXIST',
  PERMISSION_NOT_PROPAGATED: 'PERMISSION_NOT_PROPAGATED',
  DEPLOYMENT_TIMEOUT: 'DEPLOYMENT_TIMEOUT',
  GIT_CONFLICT: 'GIT_CONFLICT',
  GIT_UNKNOWN_REF: 'GIT_UNKNOWN_REF',
  GIT_SENSITIVE_TOKEN_DETECTED: 'GIT_SENSITIVE_TOKEN_DETECTED',
  GIT_URL_NOT_ON_ALLOW_LIST: 'GIT_URL_NOT_ON_ALLOW_LIST',
  GIT_REMOTE_ERROR: 'GIT_REMOTE_ERROR',
  PROJECTS_OPERATION_TIMEOUT: 'PROJECTS_OPERATION_TIMEOUT',
  IPYNB_FILE_IN_REPO: 'IPYNB_FILE_IN_REPO',
  INSECURE_PARTNER_RESPONSE: 'INSECURE_PARTNER_RESPONSE',
  MALFORMED_PARTNER_RESPONSE: 'MALFORMED_PARTNER_RESPONSE',
  METASTORE_DOES_NOT_EXIST: 'METASTORE_DOES_NOT_EXIST',
  DAC_DOES_NOT_EXIST: 'DAC_DOES_NOT_EXIST',
  CATALOG_DOES_NOT_EXIST: 'CATALOG_DOES_NOT_EXIST',
  SCHEMA_DOES_NOT_EXIST: 'SCHEMA_DOES_NOT_EXIST',
  TABLE_DOES_NOT_EXIST: 'TABLE_DOES_NOT_EXIST',
  SHARE_DOES_NOT_EXIST: 'SHARE_DOES_NOT_EXIST',
  RECIPIENT_DOES_NOT_EXIST: 'RECIPIENT_DOES_NOT_EXIST',
  STORAGE_CREDENTIAL_DOES_NOT_EXIST: 'STORAGE_CREDENTIAL_DOES_NOT_EXIST',
  EXTERNAL_LOCATION_DOES_NOT_EXIST: 'EXTERNAL_LOCATION_DOES_NOT_EXIST',
  PRINCIPAL_DOES_NOT_EXIST: 'PRINCIPAL_DOES_NOT_EXIST',
  PROVIDER_DOES_NOT_EXIST: 'PROVIDER_DOES_NOT_EXIST',
  METASTORE_ALREADY_EXISTS: 'METASTORE_ALREADY_EXISTS',
  DAC_ALREADY_EXISTS: 'DAC_ALREADY_EXISTS',
  CATALOG_ALREADY_EXISTS: 'CATALOG_ALREADY_EXISTS',
  SCHEMA_ALREADY_EXISTS: 'SCHEMA_ALREADY_EXISTS',
  TABLE_ALREADY_EXISTS: 'TABLE_ALREADY_EXISTS',
  SHARE_ALREADY_EXISTS: 'SHARE_ALREADY_EXISTS',
  RECIPIENT_ALREADY_EXISTS: 'RECIPIENT_ALREADY_EXISTS',
  STORAGE_CREDENTIAL_ALREADY_EXISTS: 'STORAGE_CREDENTIAL_ALREADY_EXISTS',
  EXTERNAL_LOCATION_ALREADY_EXISTS: 'EXTERNAL_LOCATION_ALREADY_EXISTS',
  PROVIDER_ALREADY_EXISTS: 'PROVIDER_ALREADY_EXISTS',
  CATALOG_NOT_EMPTY: 'CATALOG_NOT_EMPTY',
  SCHEMA_NOT_EMPTY: 'SCHEMA_NOT_EMPTY',
  METASTORE_NOT_EMPTY: 'METASTORE_NOT_EMPTY',
  PROVIDER_SHARE_NOT_ACCESSIBLE: 'PROVIDER_SHARE_NOT_ACCESSIBLE',
} as const;

/** One of MLflow's error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The HTTP status for every error code, as MLflow's server answers it (`ERROR_CODE_TO_HTTP_STATUS`, 500 for
 * the codes it leaves out). Complete by type, so a new code needs a status here; the server README lists it.
 * MLflow keeps the legacy mapping of duplicates: `RESOURCE_ALREADY_EXISTS` is 400, not 409.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  IO_ERROR: 500,
  BAD_REQUEST: 400,
  SERVICE_UNDER_MAINTENANCE: 500,
  WORKSPACE_TEMPORARILY_UNAVAILABLE: 500,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  UNAUTHENTICATED: 401,
  INVALID_PARAMETER_VALUE: 400,
  ENDPOINT_NOT_FOUND: 404,
  MALFORMED_REQUEST: 500,
  INVALID_STATE: 500,
  PERMISSION_DENIED: 403,
  FEATURE_DISABLED: 500,
  CUSTOMER_UNAUTHORIZED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_CONFLICT: 409,
  UNPARSEABLE_HTTP_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  DATA_LOSS: 500,
  INVALID_STATE_TRANSITION: 500,
  COULD_NOT_ACQUIRE_LOCK: 500,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  QUOTA_EXCEEDED: 500,
  MAX_BLOCK_SIZE_EXCEEDED: 500,
  MAX_READ_SIZE_EXCEEDED: 500,
  PARTIAL_DELETE: 500,
  MAX_LIST_SIZE_EXCEEDED: 500,
  DRY_RUN_FAILED: 500,
  RESOURCE_LIMIT_EXCEEDED: 500,
  DIRECTORY_NOT_EMPTY: 500,
  DIRECTORY_PROTECTED: 500,
  MAX_NOTEBOOK_SIZE_EXCEEDED: 500,
  MAX_CHILD_NODE_SIZE_EXCEEDED: 500,
  SEARCH_QUERY_TOO_LONG: 500,
  SEARCH_QUERY_TOO_SHORT: 500,
  MANAGED_RESOURCE_GROUP_DOES_NOT_EXIST: 500,
  PERMISSION_NOT_PROPAGATED: 500,
  DEPLOYMENT_TIMEOUT: 500,
  GIT_CONFLICT: 500,
  GIT_UNKNOWN_REF: 500,
  GIT_SENSITIVE_TOKEN_DETECTED: 500,
  GIT_URL_NOT_ON_ALLOW_LIST: 500,
  GIT_REMOTE_ERROR: 500,
  PROJECTS_OPERATION_TIMEOUT: 500,
  IPYNB_FILE_IN_REPO: 500,
  INSECURE_PARTNER_RESPONSE: 500,
  MALFORMED_PARTNER_RESPONSE: 500,
  METASTORE_DOES_NOT_EXIST: 500,
  DAC_DOES_NOT_EXIST: 500,
  CATALOG_DOES_NOT_EXIST: 500,
  SCHEMA_DOES_NOT_EXIST: 500,
  TABLE_DOES_NOT_EXIST: 500,
  SHARE_DOES_NOT_EXIST: 500,
  RECIPIENT_DOES_NOT_EXIST: 500,
  STORAGE_CREDENTIAL_DOES_NOT_EXIST: 500,
  EXTERNAL_LOCATION_DOES_NOT_EXIST: 500,
  PRINCIPAL_DOES_NOT_EXIST: 500,
  PROVIDER_DOES_NOT_EXIST: 500,
  METASTORE_ALREADY_EXISTS: 500,
  DAC_ALREADY_EXISTS: 500,
  CATALOG_ALREADY_EXISTS: 500,
  SCHEMA_ALREADY_EXISTS: 500,
  TABLE_ALREADY_EXISTS: 500,
  SHARE_ALREADY_EXISTS: 500,
  RECIPIENT_ALREADY_EXISTS: 500,
  STORAGE_CREDENTIAL_ALREADY_EXISTS: 500,
  EXTERNAL_LOCATION_ALREADY_EXISTS: 500,
  PROVIDER_ALREADY_EXISTS: 500,
  CATALOG_NOT_EMPTY: 500,
  SCHEMA_NOT_EMPTY: 500,
  METASTORE_NOT_EMPTY: 500,
  PROVIDER_SHARE_NOT_ACCESSIBLE: 500,
};

/** The HTTP status MLflow's server answers for an error code (500 for a string that is no MLflow code). */
export function httpStatusFor(code: string): number {
  return Object.hasOwn(HTTP_STATUS_BY_CODE, code) ? HTTP_STATUS_BY_CODE[code as ErrorCode] : 500;
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
