import { isIP } from 'node:net';
import { ErrorCode } from '@flowline/core';
import type { FastifyInstance } from 'fastify';

/** MLflow's sentence for a refused Host header; its tests and users' scripts match on it. */
export const INVALID_HOST_MESSAGE = 'Invalid Host header - possible DNS rebinding attack detected';

/** Names that always mean this machine, on any port (MLflow's `LOCALHOST_VARIANTS`). */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0']);

/** A Host header (or pattern) split into its host name and port; IPv6 literals keep their brackets. */
function splitHost(value: string): { name: string; port: string | undefined } {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return { name: value, port: undefined };
    const rest = value.slice(end + 1);
    return { name: value.slice(0, end + 1), port: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colon = value.indexOf(':');
  // More than one colon is a bare IPv6 address, not name:port.
  if (colon < 0 || value.indexOf(':', colon + 1) >= 0) return { name: value, port: undefined };
  return { name: value.slice(0, colon), port: value.slice(colon + 1) };
}

/** fnmatch's `*` and `?` as a whole-string pattern (as MLflow matches hosts and origins); the rest is literal. */
export function wildcardPattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** The private ranges MLflow allows by default: RFC 1918 IPv4 and RFC 4193 IPv6, as IP literals only. */
function isPrivateAddress(name: string): boolean {
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  const kind = isIP(bare);
  if (kind === 4) {
    const [a, b] = bare.split('.').map(Number) as [number, number];
    return a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b < 32);
  }
  // Bracketed in a Host header; fc00::/7 is every address starting fc or fd.
  return kind === 6 && name.startsWith('[') && /^f[cd]/.test(bare);
}

/** An address as it appears in a Host header: IPv4-mapped IPv6 unwrapped, IPv6 bracketed. */
function hostForm(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  return isIP(address) === 6 ? `[${address.toLowerCase()}]` : address.toLowerCase();
}

/**
 * Whether a Host header is acceptable. With `patterns` (`--allowed-hosts`), only those, as MLflow: `*` alone
 * allows every host, `*` and `?` are wildcards (`*.example.com`, `192.168.*`), and a pattern without a port
 * matches its host on any port (MLflow needs `name:*` for that). Without them, MLflow's defaults:
 * `localhost`, `127.0.0.1`, `[::1]`, `0.0.0.0` and private-network IP literals on any port, plus the address
 * the connection arrived on (the bound address). An IP literal cannot be rebound, so none of these can
 * be a rebinding attacker's name.
 */
export function isAllowedHost(
  host: string | undefined,
  patterns?: readonly string[],
  localAddress?: string,
): boolean {
  if (!host) return false;
  const value = host.trim().toLowerCase();
  const { name } = splitHost(value);
  if (patterns && patterns.length > 0) {
    return patterns.some((raw) => {
      const pattern = raw.trim().toLowerCase();
      if (pattern === '*') return true;
      const portless = splitHost(pattern).port === undefined;
      if (/[*?]/.test(pattern)) {
        const re = wildcardPattern(pattern);
        return re.test(value) || (portless && re.test(name));
      }
      return pattern === value || (portless && pattern === name);
    });
  }
  if (LOOPBACK_NAMES.has(name) || isPrivateAddress(name)) return true;
  return localAddress !== undefined && hostForm(localAddress) === name;
}

/** Where a host check applies, and what a refusal tells the operator to set. */
export interface HostCheckOptions {
  /** `--allowed-hosts` patterns; empty or absent for the defaults. A lone `*` turns the check off. */
  allowedHosts?: readonly string[];
  /** Paths answered whatever the Host (health probes); MLflow exempts `/health` and `/version`. */
  exempt: readonly string[];
  /** How to allow a host, for the refusal's message (a flag and its environment variable). */
  hint: string;
}

/**
 * Refuses requests whose Host header is not allowed with 403 and MLflow's JSON error body (the message
 * starts with MLflow's sentence and names the flag), before routing, so it covers every route and the
 * 404 handler. This is what stops DNS rebinding: a page on `evil.example.com` rebound to 127.0.0.1 still
 * sends `Host: evil.example.com`.
 */
export function registerHostCheck(app: FastifyInstance, options: HostCheckOptions): void {
  const patterns = options.allowedHosts?.filter((p) => p.trim() !== '') ?? [];
  if (patterns.some((p) => p.trim() === '*')) return;
  const exempt = new Set(options.exempt);
  app.addHook('onRequest', async (request, reply) => {
    if (exempt.has(request.url.split('?')[0] ?? '')) return;
    const host = request.headers.host;
    if (isAllowedHost(host, patterns, request.raw.socket?.localAddress)) return;
    request.log.warn({ host }, 'refused a request with a Host header that is not allowed');
    return reply.status(403).send({
      error_code: ErrorCode.PERMISSION_DENIED,
      message: `${INVALID_HOST_MESSAGE}: '${(host ?? '').slice(0, 200)}' is not an allowed host. If this server is meant to answer to that name, start it with ${options.hint}.`,
    });
  });
}
