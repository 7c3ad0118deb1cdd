import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/password-hash.js';

// Werkzeug's formats, computed here with node:crypto exactly as werkzeug's _hash_internal does: the salt
// and password as UTF-8, hashlib.scrypt's 64-byte key, pbkdf2_hmac's digest-sized key, lowercase hex.
const werkzeugScrypt = (password: string, salt: string, n = 32768, r = 8, p = 1) =>
  `scrypt:${n}:${r}:${p}$${salt}$${scryptSync(password, salt, 64, { N: n, r, p, maxmem: 256 * n * r }).toString('hex')}`;
const werkzeugPbkdf2 = (password: string, salt: string, iterations: number, hash = 'sha256') =>
  `pbkdf2:${hash}:${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, createHash(hash).digest().length, hash).toString('hex')}`;

describe('verifyPassword', () => {
  it('accepts hashes written by werkzeug 3.1.8 itself (scrypt default, pbkdf2 at its default and a custom count)', async () => {
    // Printed by werkzeug.security.generate_password_hash('correct horse battery', …) under werkzeug 3.1.8.
    const written = [
      'scrypt:32768:8:1$jpeNKJyry23PmEnT$170d5bd47f2279db06ba8b5b3d8a76cfed5a0ac61ef21cfc4fe57e4af17abb5979a6b95138933fbdfc28cc6f45281fbe1f29e8fcbb0dce50a16b56e0d4f8c8ed',
      'pbkdf2:sha256:1000000$ZXpBzwMzjuTldPTo$d5ed9e7a03d65718275939a35b6ad9b07f65bab050c3fb15f877ed24213d5a0d',
      'pbkdf2:sha256:1000$MSDcdGiBEvROrDjs$acea2fcdd5f7c7c614b6753fed33cc35d36160b250ba659d48fc1aa244edb9fb',
      // A method naming no count means werkzeug's default (1 000 000 in 3.1).
      'pbkdf2:sha256$ZXpBzwMzjuTldPTo$d5ed9e7a03d65718275939a35b6ad9b07f65bab050c3fb15f877ed24213d5a0d',
    ];
    for (const hash of written) {
      expect(await verifyPassword(hash, 'correct horse battery'), hash).toBe(true);
      expect(await verifyPassword(hash, 'correct horse batterY'), hash).toBe(false);
    }
  });

  it('verifies scrypt and pbkdf2 hashes computed as werkzeug computes them, with non-ASCII passwords', async () => {
    const password = 'pässwörd-ünïcode-😀';
    expect(await verifyPassword(werkzeugScrypt(password, 'AbCdEfGh12345678'), password)).toBe(true);
    expect(await verifyPassword(werkzeugScrypt(password, 'salt', 16384, 8, 1), password)).toBe(true);
    expect(await verifyPassword(werkzeugPbkdf2(password, 'x1y2z3', 2000), password)).toBe(true);
    expect(await verifyPassword(werkzeugPbkdf2(password, 'x1y2z3', 2000, 'sha512'), password)).toBe(true);
    expect(await verifyPassword(werkzeugPbkdf2(password, 'x1y2z3', 2000), `${password} `)).toBe(false);
  });

  it('is false, not an error, for what werkzeug cannot check', async () => {
    const good = werkzeugPbkdf2('secret-password', 's', 1000);
    for (const hash of [
      null,
      '',
      'plain',
      'pbkdf2:sha256:1000$onlyonedollar',
      good.replace('pbkdf2:sha256', 'pbkdf2:nosuchhash'),
      good.replace('pbkdf2', 'bcrypt'),
      'scrypt:1000:8:1$s$00', // n must be a power of two
      'scrypt:32768:8$s$00',
      `${good}00`,
    ]) {
      expect(await verifyPassword(hash, 'secret-password'), String(hash)).toBe(false);
    }
  });
});

describe('hashPassword', () => {
  it("writes werkzeug 3's default form: scrypt:32768:8:1, a 16-character salt of its alphabet, 128 hex digits", async () => {
    const hash = await hashPassword('a long enough password');
    expect(hash).toMatch(/^scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}$/);
    const [, salt] = hash.split('$');
    expect(hash).toBe(werkzeugScrypt('a long enough password', salt!));
    expect(await verifyPassword(hash, 'a long enough password')).toBe(true);
    expect(await hashPassword('a long enough password')).not.toBe(hash);
  });
});
