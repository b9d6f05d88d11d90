import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * The SSRF guard's policy (docs/CONTRACT.md §8): which addresses a delivery may connect to. Pure
 * functions; `guarded-connector.ts` applies them to the addresses a connection actually uses.
 */

/**
 * Why an address is refused, by kind; checked in this order (metadata before link-local, the
 * narrower IPv6 blocks before the IETF's 2001::/23 and before the catch-all of what is not global
 * unicast). The ranges are IANA's IPv4 and IPv6 Special-Purpose Address Registries, less the few
 * blocks it marks globally reachable outside 2001::/23 (AS112, AMT): no webhook receiver lives in
 * any of them. IPv6 forms that embed an IPv4 address are judged by that address first (see
 * `embeddedIpv4`).
 */
const FORBIDDEN_RANGES: ReadonlyArray<{ reason: string; ipv4?: string[]; ipv6?: string[] }> = [
  { reason: 'cloud metadata', ipv4: ['169.254.169.254/32'], ipv6: ['fd00:ec2::254/128'] },
  { reason: 'unspecified', ipv4: ['0.0.0.0/8'], ipv6: ['::/128'] },
  { reason: 'loopback', ipv4: ['127.0.0.0/8'], ipv6: ['::1/128'] },
  { reason: 'private', ipv4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], ipv6: ['fc00::/7', 'fec0::/10'] },
  { reason: 'link-local', ipv4: ['169.254.0.0/16'], ipv6: ['fe80::/10'] },
  { reason: 'carrier-grade NAT', ipv4: ['100.64.0.0/10'] },
  { reason: 'multicast', ipv4: ['224.0.0.0/4'], ipv6: ['ff00::/8'] },
  {
    reason: 'documentation',
    ipv4: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
    ipv6: ['2001:db8::/32', '3fff::/20'],
  },
  { reason: 'benchmarking', ipv4: ['198.18.0.0/15'], ipv6: ['2001:2::/48'] },
  // Local-use NAT64 (RFC 8215) translates to whatever IPv4 the operator's network chooses.
  { reason: 'NAT64 local use', ipv6: ['64:ff9b:1::/48'] },
  // Teredo tunnels to a client behind a relay; its (obfuscated) IPv4 is no address we could vet.
  { reason: 'Teredo', ipv6: ['2001::/32'] },
  { reason: '6to4 relay anycast', ipv4: ['192.88.99.0/24'] },
  { reason: 'discard-only', ipv6: ['100::/64'] },
  { reason: 'dummy prefix', ipv6: ['100:0:0:1::/64'] },
  { reason: 'SRv6 SID', ipv6: ['5f00::/16'] },
  { reason: 'IETF protocol assignment', ipv4: ['192.0.0.0/24'], ipv6: ['2001::/23'] },
  // IPv4's future-use block and limited broadcast; every IPv6 address outside global unicast (2000::/3).
  { reason: 'reserved', ipv4: ['240.0.0.0/4'], ipv6: ['::/3', '4000::/2', '8000::/1'] },
];

/**
 * One list per family: a BlockList matches an IPv4 address against IPv6 rules too (as
 * ::ffff:a.b.c.d), which would make `::/3` swallow every IPv4 address.
 */
const FORBIDDEN: ReadonlyArray<{ reason: string; ipv4: BlockList; ipv6: BlockList }> = FORBIDDEN_RANGES.map(
  ({ reason, ipv4, ipv6 }) => {
    const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
    for (const cidr of ipv4 ?? []) addCidr(lists.ipv4, cidr);
    for (const cidr of ipv6 ?? []) addCidr(lists.ipv6, cidr);
    return { reason, ...lists };
  },
);

/**
 * `FLOWLINE_ALLOW_PRIVATE_TARGETS`: CIDRs (`10.1.0.0/16`, `fd00::/8`), single addresses
 * (`127.0.0.1`, `::1`) and host names (`crm.internal`, or `*.corp.example` for its subdomains).
 * Production leaves it empty.
 */
export class TargetAllowList {
  private readonly addresses = new BlockList();
  private readonly hosts = new Set<string>();
  private readonly domains: string[] = [];
  private empty = true;

  /** Throws, naming the entry, when an entry is neither a CIDR, an address nor a host name. */
  static parse(entries: readonly string[]): TargetAllowList {
    const allow = new TargetAllowList();
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      allow.empty = false;
      if (entry.includes('/')) {
        if (!addCidr(allow.addresses, entry)) {
          throw new Error(`FLOWLINE_ALLOW_PRIVATE_TARGETS: "${raw}" is not a valid CIDR`);
        }
      } else if (isIP(unbracket(entry))) {
        const address = unbracket(entry);
        allow.addresses.addAddress(address, isIPv4(address) ? 'ipv4' : 'ipv6');
      } else if (/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(entry)) {
        if (entry.startsWith('*.')) allow.domains.push(withoutTrailingDot(entry.slice(1)));
        else allow.hosts.add(withoutTrailingDot(entry));
      } else {
        throw new Error(`FLOWLINE_ALLOW_PRIVATE_TARGETS: "${raw}" is neither a CIDR, an IP address nor a host name`);
      }
    }
    return allow;
  }

  static readonly NONE = new TargetAllowList();

  /** A host allowed by name may resolve to any address. */
  allowsHost(host: string): boolean {
    if (this.empty) return false;
    const name = withoutTrailingDot(host.toLowerCase());
    return this.hosts.has(name) || this.domains.some((domain) => name.endsWith(domain));
  }

  allowsAddress(address: string): boolean {
    if (this.empty) return false;
    return this.addresses.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  }
}

/**
 * Why a delivery may not connect to this address (`loopback`, `private`...), or undefined when
 * it may. Accepts the legacy numeric IPv4 forms (`2130706433`, `0x7f000001`, `0177.0.0.1`,
 * `127.1`) and judges IPv6 forms that embed an IPv4 address (mapped `::ffff:127.0.0.1` /
 * `::ffff:7f00:1`, compatible `::127.0.0.1`, NAT64 `64:ff9b::7f00:1`, 6to4 `2002:7f00:1::`) by
 * that address.
 * Anything that is not an IP address is refused.
 */
export function forbiddenReason(address: string, allow: TargetAllowList = TargetAllowList.NONE): string | undefined {
  const ip = normaliseAddress(address);
  if (ip === undefined) return 'not an IP address';
  if (allow.allowsAddress(ip)) return undefined;
  if (isIPv4(ip)) return rangeReason(ip, 'ipv4');
  const embedded = embeddedIpv4(ip);
  if (embedded !== undefined) {
    if (allow.allowsAddress(embedded)) return undefined;
    const reason = rangeReason(embedded, 'ipv4');
    return reason === undefined ? undefined : `${reason} (IPv4 in IPv6)`;
  }
  return rangeReason(ip, 'ipv6');
}

/** True when a delivery may not connect to this address (see `forbiddenReason`). */
export function isForbiddenAddress(address: string, allow: TargetAllowList = TargetAllowList.NONE): boolean {
  return forbiddenReason(address, allow) !== undefined;
}

/**
 * An IP address in canonical text, from any form a URL host or resolver may give: brackets and
 * IPv6 zone ids removed, legacy numeric IPv4 forms expanded (by the WHATWG URL host parser,
 * the same rules a URL's host is normalised by). Undefined for a host name.
 */
export function normaliseAddress(host: string): string | undefined {
  const text = unbracket(host.trim()).replace(/%.*$/, '');
  if (isIP(text)) return text.toLowerCase();
  if (!/^[0-9a-fx.]+$/i.test(text)) return undefined;
  try {
    const parsed = new URL(`http://${text}/`).hostname;
    return isIPv4(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function rangeReason(ip: string, type: 'ipv4' | 'ipv6'): string | undefined {
  return FORBIDDEN.find((ranges) => ranges[type].check(ip, type))?.reason;
}

/**
 * The IPv4 address inside a mapped (::ffff:0:0/96), translated (::ffff:0:0:0/96), compatible
 * (::/96) or NAT64 (64:ff9b::/96) IPv6, where it is the last 32 bits, or inside a 6to4 address
 * (2002::/16), where it is the 32 bits after the prefix.
 */
export function embeddedIpv4(ipv6: string): string | undefined {
  const words = ipv6Words(ipv6);
  if (!words) return undefined;
  if (words[0] === 0x2002) return ipv4Of(words[1]!, words[2]!);
  const prefix = words.slice(0, 6);
  const zero = (values: number[]): boolean => values.every((value) => value === 0);
  const mapped = zero(prefix.slice(0, 5)) && prefix[5] === 0xffff;
  const translated = zero(prefix.slice(0, 4)) && prefix[4] === 0xffff && prefix[5] === 0; // ::ffff:0:a.b.c.d
  const nat64 = prefix[0] === 0x64 && prefix[1] === 0xff9b && zero(prefix.slice(2));
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not compatible forms.
  const compatible = zero(prefix) && (words[6] !== 0 || words[7]! > 1);
  if (!mapped && !translated && !nat64 && !compatible) return undefined;
  return ipv4Of(words[6]!, words[7]!);
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit words of an IPv6 address (which must be valid). */
function ipv6Words(ipv6: string): number[] | undefined {
  let text = ipv6;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((word) => parseInt(word, 16));
  const left = parse(head);
  const right = parse(tail);
  const words =
    tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.length === 8 && words.every((word) => Number.isInteger(word)) ? words : undefined;
}

function addCidr(list: BlockList, cidr: string): boolean {
  const [network, bits] = cidr.split('/') as [string, string | undefined];
  const address = unbracket(network ?? '');
  const family = isIP(address);
  const prefix = Number(bits);
  if (family === 0 || bits === undefined || !/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return true;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function withoutTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
