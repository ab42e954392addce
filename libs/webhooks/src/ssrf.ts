import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Address ranges a webhook may not reach (unless its host is allow-listed), with why. */
const RANGES: { net: string; prefix: number; kind: 'ipv4' | 'ipv6'; reason: string }[] = [
  { net: '0.0.0.0', prefix: 8, kind: 'ipv4', reason: 'unspecified' },
  { net: '10.0.0.0', prefix: 8, kind: 'ipv4', reason: 'private' },
  { net: '100.64.0.0', prefix: 10, kind: 'ipv4', reason: 'private (carrier-grade NAT)' },
  { net: '127.0.0.0', prefix: 8, kind: 'ipv4', reason: 'loopback' },
  { net: '169.254.0.0', prefix: 16, kind: 'ipv4', reason: 'link-local' },
  { net: '172.16.0.0', prefix: 12, kind: 'ipv4', reason: 'private' },
  { net: '192.0.0.0', prefix: 24, kind: 'ipv4', reason: 'reserved' },
  { net: '192.168.0.0', prefix: 16, kind: 'ipv4', reason: 'private' },
  { net: '198.18.0.0', prefix: 15, kind: 'ipv4', reason: 'reserved (benchmarking)' },
  { net: '224.0.0.0', prefix: 4, kind: 'ipv4', reason: 'multicast' },
  { net: '240.0.0.0', prefix: 4, kind: 'ipv4', reason: 'reserved' },
  { net: '::', prefix: 128, kind: 'ipv6', reason: 'unspecified' },
  { net: '::1', prefix: 128, kind: 'ipv6', reason: 'loopback' },
  { net: 'fe80::', prefix: 10, kind: 'ipv6', reason: 'link-local' },
  { net: 'fc00::', prefix: 7, kind: 'ipv6', reason: 'private (unique local)' },
  { net: 'ff00::', prefix: 8, kind: 'ipv6', reason: 'multicast' },
];

const LISTS = RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.net, range.prefix, range.kind);
  return { list, kind: range.kind, reason: range.reason };
});

/** The IPv4 address inside an IPv4-mapped/NAT64/compatible IPv6 address, if any. */
function embeddedIpv4(address: string): string | null {
  const mapped = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** Why this IP may not be a webhook target (`loopback`, `private`, …), or null when it may. */
export function blockedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) return blockedAddressReason(v4);
  }
  const kind = family === 4 ? 'ipv4' : 'ipv6';
  for (const entry of LISTS) {
    if (entry.kind === kind && entry.list.check(address, kind)) return entry.reason;
  }
  return null;
}

/** Lower-case host without IPv6 brackets. */
export function normaliseHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Hosts (names or IP literals) exempt from the HTTPS rule and the address check. */
export class AllowList {
  private readonly hosts: Set<string>;

  constructor(hosts: Iterable<string> = []) {
    this.hosts = new Set([...hosts].map((h) => normaliseHost(h.trim())).filter(Boolean));
  }

  /** `AISLE_WEBHOOK_ALLOW_HOSTS`: comma-separated. */
  static parse(text: string | undefined): AllowList {
    return new AllowList((text ?? '').split(','));
  }

  has(host: string): boolean {
    return this.hosts.has(normaliseHost(host));
  }
}

export type Resolver = (host: string) => Promise<string[]>;

/** Every address a name resolves to (A and AAAA), as the OS resolver returns them. */
export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => a.address));
    });
  });

/**
 * Why this endpoint URL may not be used (a message naming the rule), or null when it may:
 * `http(s)` only; HTTPS unless the host is allow-listed; no credentials; and every address the
 * host resolves to must be public (unless allow-listed).
 */
export async function endpointUrlProblem(
  url: string,
  options: { allow: AllowList; resolve?: Resolver },
): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return 'must be an https:// URL';
  }
  if (parsed.username || parsed.password) return 'must not contain credentials';
  const host = normaliseHost(parsed.hostname);
  if (options.allow.has(host)) return null;
  if (parsed.protocol !== 'https:') {
    return 'must be an https:// URL (http is only for allow-listed hosts)';
  }
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (error) {
      return `host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }
  if (addresses.length === 0) return `host ${host} does not resolve`;
  for (const address of addresses) {
    const reason = blockedAddressReason(address);
    if (reason !== null) {
      return `host ${host} resolves to ${address}, a ${reason} address; such targets are refused unless allow-listed (AISLE_WEBHOOK_ALLOW_HOSTS)`;
    }
  }
  return null;
}

/** Thrown by {@link guardedLookup} for a target that may not be reached. */
export class BlockedTargetError extends Error {
  override readonly name = 'BlockedTargetError';
  readonly code = 'EWEBHOOKBLOCKED';
}

/**
 * A `lookup` for `http.request` that checks at connection time what the name resolves to now
 * (DNS may have changed since the subscription was created): every address must be allowed.
 */
export function guardedLookup(
  allow: AllowList,
  resolve: Resolver = systemResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    const host = normaliseHost(hostname);
    const family = typeof options === 'object' ? options.family : undefined;
    resolve(host).then(
      (addresses) => {
        if (!allow.has(host)) {
          for (const address of addresses) {
            const reason = blockedAddressReason(address);
            if (reason !== null) {
              callback(
                new BlockedTargetError(`${host} resolves to a ${reason} address; refused`),
                '',
                0,
              );
              return;
            }
          }
        }
        const usable = addresses.filter((a) => !family || isIP(a) === family);
        const first = usable[0] ?? addresses[0];
        if (first === undefined) {
          callback(new BlockedTargetError(`${host} does not resolve`), '', 0);
          return;
        }
        if (typeof options === 'object' && options.all) {
          (callback as unknown as (e: null, a: LookupAddress[]) => void)(
            null,
            usable.map((address) => ({ address, family: isIP(address) })),
          );
        } else callback(null, first, isIP(first));
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
