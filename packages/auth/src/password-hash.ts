import { createHash, pbkdf2, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

// Werkzeug's `generate_password_hash` / `check_password_hash` formats, which MLflow's auth store writes and
// reads: `method$salt$hex`, with method `scrypt:<n>:<r>:<p>` (werkzeug 3's default) or
// `pbkdf2:<hash>:<iterations>` (werkzeug 2's). The salt is text and is used as its UTF-8 bytes.

const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

/** Werkzeug's salt alphabet (`SALT_CHARS`). */
const SALT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Werkzeug's scrypt parameters (`n = 2**15, r = 8, p = 1`) and hashlib's default key length. */
const SCRYPT = { n: 32768, r: 8, p: 1, keylen: 64 } as const;
/** Werkzeug 3.1's `DEFAULT_PBKDF2_ITERATIONS`, for a `pbkdf2:<hash>` method that names no count. */
const DEFAULT_PBKDF2_ITERATIONS = 1_000_000;
// Bounds on what a stored hash may ask for, so a corrupt row cannot exhaust memory or time.
const MAX_SCRYPT_BYTES = 512 * 1024 * 1024;
const MAX_PBKDF2_ITERATIONS = 50_000_000;

/** A werkzeug salt: `length` characters of its alphabet, from a CSPRNG. */
function genSalt(length: number): string {
  let salt = '';
  for (let i = 0; i < length; i++) salt += SALT_CHARS[randomInt(SALT_CHARS.length)];
  return salt;
}

async function scryptHex(password: string, salt: string, n: number, r: number, p: number): Promise<string> {
  const key = await scryptAsync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), SCRYPT.keylen, {
    N: n,
    r,
    p,
    // Python passes maxmem = 132·n·r·p; Node needs a little more headroom than 128·n·r·p.
    maxmem: 160 * n * r * p,
  });
  return key.toString('hex');
}

const digestSizes = new Map<string, number>();
function digestSize(hash: string): number | null {
  let size = digestSizes.get(hash);
  if (size === undefined) {
    try {
      size = createHash(hash).digest().length;
    } catch {
      return null;
    }
    digestSizes.set(hash, size);
  }
  return size;
}

/** The hex digest a werkzeug method string gives for this salt and password, or null for an unusable one. */
async function digestFor(method: string, salt: string, password: string): Promise<string | null> {
  const [name, ...args] = method.split(':');
  if (name === 'scrypt') {
    const [n, r, p] = args.length === 0 ? [SCRYPT.n, SCRYPT.r, SCRYPT.p] : args.map(Number);
    if (args.length !== 0 && args.length !== 3) return null;
    if (![n, r, p].every((v) => Number.isSafeInteger(v) && (v as number) > 0)) return null;
    const cost = n as number;
    if ((cost & (cost - 1)) !== 0 || 128 * cost * (r as number) * (p as number) > MAX_SCRYPT_BYTES)
      return null;
    return scryptHex(password, salt, cost, r as number, p as number);
  }
  if (name === 'pbkdf2') {
    if (args.length > 2) return null;
    const hash = args[0] || 'sha256';
    const iterations = args.length === 2 ? Number(args[1]) : DEFAULT_PBKDF2_ITERATIONS;
    const size = digestSize(hash);
    if (size === null || !Number.isSafeInteger(iterations) || iterations < 1) return null;
    if (iterations > MAX_PBKDF2_ITERATIONS) return null;
    const key = await pbkdf2Async(
      Buffer.from(password, 'utf8'),
      Buffer.from(salt, 'utf8'),
      iterations,
      size,
      hash,
    );
    return key.toString('hex');
  }
  return null;
}

/**
 * Hashes a password as werkzeug 3's `generate_password_hash` does by default (`scrypt:32768:8:1$<16-char
 * salt>$<128 hex digits>`), so MLflow's auth store verifies it too.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = genSalt(16);
  const digest = await scryptHex(password, salt, SCRYPT.n, SCRYPT.r, SCRYPT.p);
  return `scrypt:${SCRYPT.n}:${SCRYPT.r}:${SCRYPT.p}$${salt}$${digest}`;
}

/**
 * Checks a password against a werkzeug hash (`scrypt:…` or `pbkdf2:…`), as `check_password_hash`: false
 * for a wrong password and for a hash it cannot read. Compares in constant time.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (typeof stored !== 'string') return false;
  const first = stored.indexOf('$');
  const second = first < 0 ? -1 : stored.indexOf('$', first + 1);
  if (second < 0) return false;
  const method = stored.slice(0, first);
  const salt = stored.slice(first + 1, second);
  const expected = stored.slice(second + 1);
  const actual = await digestFor(method, salt, password);
  if (actual === null) return false;
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
