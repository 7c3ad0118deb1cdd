import { describe, expect, it } from 'vitest';
import { importOptional, isMlflowError } from '../src/index.js';

describe('importOptional', () => {
  it('returns the module when it is installed', async () => {
    const path = await importOptional('node:path', 'to join paths', () => import('node:path'));
    expect(path.join('a', 'b')).toBe('a/b');
  });

  it('names the missing package, its purpose and the install command', async () => {
    const name = 'flowline-no-such-package';
    const error = await importOptional(name, 'to open example:// stores', () => import(name)).catch((e) => e);
    expect(isMlflowError(error)).toBe(true);
    expect(error.errorCode).toBe('INVALID_STATE');
    expect(error.message).toContain('flowline-no-such-package is needed to open example:// stores');
    expect(error.message).toContain('npm install flowline-no-such-package');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rethrows other failures unchanged', async () => {
    const broken = new Error('boom inside the module');
    await expect(importOptional('x', 'for y', () => Promise.reject(broken))).rejects.toBe(broken);
    const other = Object.assign(new Error("Cannot find package 'x-dependency' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(importOptional('x', 'for y', () => Promise.reject(other))).rejects.toBe(other);
  });
});
