import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../src/credential-cache.js';
import { LoginLimiter } from '../src/login-limiter.js';

describe('CredentialCache', () => {
  it('remembers a verified pair for its TTL only, and never another password', () => {
    let now = 1000;
    const cache = new CredentialCache<string>({ ttlMs: 100, maxSize: 10, now: () => now });
    cache.set('ann', 'pw-1', 'ann!');
    expect(cache.get('ann', 'pw-1')).toBe('ann!');
    expect(cache.get('ann', 'pw-2')).toBeUndefined();
    expect(cache.get('ann:pw', '1')).toBeUndefined();
    now += 100;
    expect(cache.get('ann', 'pw-1')).toBeUndefined();
  });

  it('evicts the least recently used and forgets a user on demand', () => {
    const cache = new CredentialCache<number>({ ttlMs: 60_000, maxSize: 2 });
    cache.set('a', 'p', 1);
    cache.set('b', 'p', 2);
    cache.get('a', 'p');
    cache.set('c', 'p', 3);
    expect(cache.get('b', 'p')).toBeUndefined();
    expect(cache.get('a', 'p')).toBe(1);
    const users = new CredentialCache<number>({ ttlMs: 60_000, maxSize: 10 });
    users.set('a', 'p', 1);
    users.set('a', 'other', 2);
    users.set('c', 'p', 3);
    users.invalidate('a');
    expect(users.get('a', 'p')).toBeUndefined();
    expect(users.get('a', 'other')).toBeUndefined();
    expect(users.get('c', 'p')).toBe(3);
  });

  it('is off with a TTL of 0', () => {
    const cache = new CredentialCache<number>({ ttlMs: 0, maxSize: 10 });
    cache.set('a', 'p', 1);
    expect(cache.get('a', 'p')).toBeUndefined();
  });
});

describe('LoginLimiter', () => {
  it('blocks a username after its failures, for the rest of the window', () => {
    let now = 0;
    const limiter = new LoginLimiter({
      maxFailuresPerUser: 3,
      maxFailuresPerAddress: 100,
      windowMs: 60_000,
      now: () => now,
    });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('ann', '10.0.0.1')).toBe(0);
      limiter.recordFailure('ann', '10.0.0.1');
    }
    expect(limiter.retryAfterSeconds('ann', '10.0.0.2')).toBe(60);
    expect(limiter.retryAfterSeconds('bob', '10.0.0.1')).toBe(0);
    now = 59_500;
    expect(limiter.retryAfterSeconds('ann', '10.0.0.1')).toBe(1);
    now = 60_000;
    expect(limiter.retryAfterSeconds('ann', '10.0.0.1')).toBe(0);
  });

  it('blocks an address trying many usernames, and a success clears the username only', () => {
    const limiter = new LoginLimiter({ maxFailuresPerUser: 100, maxFailuresPerAddress: 2 });
    limiter.recordFailure('a', 'ip');
    limiter.recordFailure('b', 'ip');
    expect(limiter.retryAfterSeconds('c', 'ip')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('c', 'other-ip')).toBe(0);
    limiter.recordSuccess('a');
    expect(limiter.retryAfterSeconds('a', 'ip')).toBeGreaterThan(0);
  });
});
