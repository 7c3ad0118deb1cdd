import { randomUUID } from 'node:crypto';

/** A new run id: 32 lowercase hex digits (a UUID4 without dashes), as MLflow makes them. */
export function generateRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/** A new UUID4 in its 36-character form, for dataset and input rows. */
export function generateUuid(): string {
  return randomUUID();
}
