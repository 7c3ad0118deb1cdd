import { createHash } from 'node:crypto';
import { MlflowError } from './errors.js';

interface TokenBody {
  offset: number;
  query?: string;
}

/** A short fingerprint of a query, so a token is refused when reused with a different search. */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** An opaque page token for an offset (base64 of JSON, as MLflow's `{"offset": N}` tokens). */
export function encodePageToken(offset: number, fingerprint?: string): string {
  const body: TokenBody = fingerprint ? { offset, query: fingerprint } : { offset };
  return Buffer.from(JSON.stringify(body)).toString('base64');
}

/**
 * The offset in a page token; 0 for none; `INVALID_PARAMETER_VALUE` for a token that is not ours or was made
 * for another query (`changed` names what the query is made of, for the message).
 */
export function decodePageToken(
  token: string | undefined | null,
  fingerprint?: string,
  changed = 'filter, order or experiments',
): number {
  if (token === undefined || token === null || token === '') return 0;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch (cause) {
    throw MlflowError.invalidParameterValue(`Invalid page token, could not base64-decode: '${token}'.`, {
      cause,
    });
  }
  const offset = (body as TokenBody | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw MlflowError.invalidParameterValue(`Invalid page token '${token}': it carries no valid offset.`);
  }
  const query = (body as TokenBody).query;
  if (fingerprint && query !== undefined && query !== fingerprint) {
    throw MlflowError.invalidParameterValue(
      `This page token belongs to a different search (${changed} changed). ` +
        'Start again without a page token.',
    );
  }
  return offset;
}
