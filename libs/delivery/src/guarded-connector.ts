import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { forbiddenReason, normaliseAddress, TargetAllowList } from './target-guard';

/** A resolver: every address of a host name, as `dns.lookup(host, { all: true })` answers. */
export type AddressLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: AddressLookup = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/** A delivery target the SSRF guard refuses; no connection was made. */
export class RefusedTargetError extends Error {
  readonly code = 'FLOWLINE_REFUSED_TARGET';
}

/** The guard's refusal in an error or its causes (undici may wrap it), or undefined. */
export function refusedTargetIn(error: unknown): RefusedTargetError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if (cause instanceof RefusedTargetError) return cause;
  }
  return undefined;
}

const ALLOW_HINT = 'allow it with FLOWLINE_ALLOW_PRIVATE_TARGETS';
const article = (reason: string): string => `${/^[aeiou]/.test(reason) ? 'an' : 'a'} ${reason}`;

/**
 * The addresses a connection to `hostname` may use. An IP literal (or a legacy numeric form
 * such as `2130706433`) is judged as is; a name is resolved and every address it resolves to
 * must be allowed, or none is used. A name allowed by FLOWLINE_ALLOW_PRIVATE_TARGETS may
 * resolve anywhere. Throws `RefusedTargetError` for a refused target.
 */
export async function resolveAllowedAddresses(
  hostname: string,
  allow: TargetAllowList,
  lookup: AddressLookup = systemLookup,
): Promise<Array<{ address: string; family: 4 | 6 }>> {
  const literal = normaliseAddress(hostname);
  if (literal !== undefined) {
    const reason = forbiddenReason(literal, allow);
    if (reason !== undefined)
      throw new RefusedTargetError(`target ${hostname} is ${article(reason)} address: ${ALLOW_HINT}`);
    return [{ address: literal, family: isIP(literal) === 6 ? 6 : 4 }];
  }
  const resolved = await lookup(hostname);
  if (resolved.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
  const addresses = resolved.map(({ address }) => {
    const ip = normaliseAddress(address);
    if (ip === undefined) throw new RefusedTargetError(`target ${hostname} resolved to a non-address`);
    return { address: ip, family: isIP(ip) === 6 ? (6 as const) : (4 as const) };
  });
  if (allow.allowsHost(hostname)) return addresses;
  for (const { address } of addresses) {
    const reason = forbiddenReason(address, allow);
    if (reason !== undefined) {
      // The resolved address is left out: tenants read this text (connection test, delivery log,
      // DLQ header), and it would map the operator's internal network for them.
      throw new RefusedTargetError(`target ${hostname} resolves to ${article(reason)} address: ${ALLOW_HINT}`);
    }
  }
  return addresses;
}

export interface GuardedConnectorOptions {
  allow: TargetAllowList;
  /** undici's connect timeout, ms (default 10 s). */
  timeout?: number;
  /** The resolver; tests inject one (e.g. to answer a public address, then a private one). */
  lookup?: AddressLookup;
}

type NetLookupCallback = (
  error: Error | null,
  address?: string | Array<{ address: string; family: number }>,
  family?: number,
) => void;

/**
 * undici's connector behind the SSRF guard. The guard judges the addresses the socket is
 * actually opened to: an IP literal before connecting, a host name inside the socket's own
 * `lookup`, whose answer (checked) is what `net.connect` connects to. A second resolution
 * (DNS rebinding) is checked again; nothing is ever connected to an unchecked address.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const { allow, lookup = systemLookup } = options;
  const guardedLookup = (hostname: string, lookupOptions: { all?: boolean }, callback: NetLookupCallback): void => {
    resolveAllowedAddresses(hostname, allow, lookup).then(
      (addresses) => {
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: Error) => callback(error),
    );
  };
  const connect = buildConnector({
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    lookup: guardedLookup as never,
  });
  return (connectOptions, callback) => {
    const host = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
    // net.connect does not look up an IP literal: judge it here, before any socket exists.
    if (isIP(host)) {
      const reason = forbiddenReason(host, allow);
      if (reason !== undefined) {
        callback(new RefusedTargetError(`target ${host} is ${article(reason)} address: ${ALLOW_HINT}`), null);
        return;
      }
    }
    connect(connectOptions, callback);
  };
}
