import { describe, expect, it } from 'vitest';
import {
  decodePageToken,
  ErrorCode,
  encodePageToken,
  generateRunId,
  generateRunName,
  HTTP_STATUS_BY_CODE,
  httpStatusFor,
  isMlflowError,
  MlflowError,
} from '../src/index.js';

describe('MlflowError', () => {
  it("maps codes to MLflow's HTTP statuses", () => {
    expect(httpStatusFor('INVALID_PARAMETER_VALUE')).toBe(400);
    expect(httpStatusFor('RESOURCE_ALREADY_EXISTS')).toBe(400);
    expect(httpStatusFor('RESOURCE_DOES_NOT_EXIST')).toBe(404);
    expect(httpStatusFor('PERMISSION_DENIED')).toBe(403);
    expect(httpStatusFor('INVALID_STATE')).toBe(500);
    expect(httpStatusFor('TEMPORARILY_UNAVAILABLE')).toBe(503);
    expect(httpStatusFor('SOMETHING_NEW')).toBe(500);
    expect(httpStatusFor('toString')).toBe(500);
  });

  it('gives every MLflow error code a status, and codes MLflow leaves unmapped 500', () => {
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual(Object.keys(ErrorCode).sort());
    for (const [code, status] of Object.entries(HTTP_STATUS_BY_CODE)) {
      expect(httpStatusFor(code), code).toBe(status);
      expect(status >= 400 && status < 600, code).toBe(true);
    }
    // MLflow's ERROR_CODE_TO_HTTP_STATUS, and a few it does not list.
    expect(httpStatusFor('CANCELLED')).toBe(499);
    expect(httpStatusFor('NOT_IMPLEMENTED')).toBe(501);
    expect(httpStatusFor('DEADLINE_EXCEEDED')).toBe(504);
    expect(httpStatusFor('MALFORMED_REQUEST')).toBe(500);
    expect(httpStatusFor('FEATURE_DISABLED')).toBe(500);
    expect(httpStatusFor('PROVIDER_SHARE_NOT_ACCESSIBLE')).toBe(500);
  });

  it("serialises as MLflow's error body and keeps its cause", () => {
    const cause = new Error('db said no');
    const error = MlflowError.resourceDoesNotExist('Run with id=x not found', { cause });
    expect(error.toJSON()).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=x not found',
    });
    expect(error.httpStatus).toBe(404);
    expect(error.cause).toBe(cause);
  });

  it('is recognised by brand across copies of the package, not by instanceof', () => {
    const foreign = Object.assign(new Error('x'), { isMlflowError: true, errorCode: 'BAD_REQUEST' });
    expect(isMlflowError(foreign)).toBe(true);
    expect(isMlflowError(new Error('x'))).toBe(false);
    expect(isMlflowError(null)).toBe(false);
  });
});

describe('ids, names and page tokens', () => {
  it('makes 32-hex run ids, all different', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateRunId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes MLflow-shaped run names of at most 20 characters', () => {
    for (let i = 0; i < 500; i++) {
      const name = generateRunName();
      expect(name).toMatch(/^[a-z]+-[a-z]+-\d{1,4}$/);
      expect(name.length).toBeLessThanOrEqual(20);
    }
  });

  it('round-trips offsets and refuses foreign, malformed and mismatched tokens', () => {
    expect(decodePageToken(encodePageToken(40, 'q1'), 'q1')).toBe(40);
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken(Buffer.from('{"offset": 7}').toString('base64'))).toBe(7);
    expect(() => decodePageToken('@@@')).toThrow(/page token/);
    expect(() => decodePageToken(Buffer.from('{"offset": -1}').toString('base64'))).toThrow(/offset/);
    expect(() => decodePageToken(Buffer.from('[]').toString('base64'))).toThrow(/offset/);
    expect(() => decodePageToken(encodePageToken(10, 'q1'), 'q2')).toThrow(/different search/);
  });
});
