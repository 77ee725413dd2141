/**
 * Which IP addresses the gateway never calls and never sends a browser to: loopback, private
 * (RFC 1918, CGNAT 100.64/10, IPv6 ULA fc00::/7), link-local, multicast, unspecified, broadcast,
 * documentation, benchmark and other reserved ranges, and every IPv6 spelling that embeds one of
 * those IPv4 addresses (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16). IPv6 outside global unicast 2000::/3 is refused as a whole.
 *
 * Addresses are read in their canonical text (what the WHATWG URL parser leaves of a host, what
 * dns.lookup answers); the URL parser is what turns `2130706433`, `0x7f000001`, `0177.0.0.1` or
 * `127.1` into `127.0.0.1`.
 */
import { isIPv4, isIPv6 } from 'node:net';

interface V4Range {
  readonly base: number;
  readonly bits: number;
  readonly kind: string;
}

function v4(cidr: string, kind: string): V4Range {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: ipv4ToInt(address)!, bits: Number(bits), kind };
}

/** Refused IPv4 ranges, each with the kind named in the refusal. */
const V4_REFUSED: readonly V4Range[] = [
  v4('0.0.0.0/8', 'unspecified ("this network")'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'private (carrier-grade NAT)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved (IETF protocol assignments)'),
  v4('192.0.2.0/24', 'reserved (documentation)'),
  v4('192.88.99.0/24', 'reserved (6to4 relay anycast)'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved (benchmarking)'),
  v4('198.51.100.0/24', 'reserved (documentation)'),
  v4('203.0.113.0/24', 'reserved (documentation)'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'broadcast'),
  v4('240.0.0.0/4', 'reserved'),
];

/** The 32-bit value of a dotted-decimal IPv4 address, or undefined when it is not one. */
export function ipv4ToInt(address: string): number | undefined {
  if (!isIPv4(address)) return undefined;
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined when it is not one. */
export function ipv6Groups(address: string): number[] | undefined {
  const text = address.replace(/%.*$/, '');
  if (!isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const dotted = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4ToInt(dotted[1]!)!;
    tail.push(Math.floor(n / 65536), n % 65536);
    head = text.slice(0, text.length - dotted[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = head.indexOf('::');
  let groups: number[];
  if (gap >= 0) {
    const left = parse(head.slice(0, gap));
    const right = [...parse(head.slice(gap + 2)), ...tail];
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    groups = [...parse(head), ...tail];
  }
  return groups.length === 8 ? groups : undefined;
}

function v4Kind(n: number): string | undefined {
  for (const range of V4_REFUSED) {
    const size = 2 ** (32 - range.bits);
    if (n >= range.base && n < range.base + size) return range.kind;
  }
  return undefined;
}

function embedded(hi: number, lo: number): number {
  return hi * 65536 + lo;
}

function v6Kind(g: readonly number[]): string | undefined {
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  const inner = (kind: string, hi: number, lo: number): string | undefined => {
    const found = v4Kind(embedded(hi, lo));
    return found === undefined ? undefined : `${kind} ${found}`;
  };
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (SIIT translated)
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return inner('IPv4-mapped', g[6]!, g[7]!);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return inner('IPv4-translated', g[6]!, g[7]!);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return inner('NAT64', g[6]!, g[7]!);
  if ((g[0]! & 0xe000) !== 0x2000) {
    if ((g[0]! & 0xfe00) === 0xfc00) return 'private (unique local)';
    if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
    if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
    return 'reserved';
  }
  // 2002:aabb:ccdd::/48 (6to4 of aa.bb.cc.dd)
  if (g[0] === 0x2002) return inner('6to4', g[1]!, g[2]!);
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved (documentation)';
  if (g[0] === 0x2001 && g[1]! < 0x0200) return 'reserved (IETF protocol assignments, Teredo)';
  if ((g[0]! & 0xfff0) === 0x3ff0) return 'reserved (documentation)';
  return undefined;
}

/**
 * Why an IP address is refused ("loopback", "private", "IPv4-mapped link-local" ...), or undefined
 * for a public address. Text that is not an IP address is refused as "not an IP address".
 */
export function refusedKind(address: string): string | undefined {
  const n = ipv4ToInt(address);
  if (n !== undefined) return v4Kind(n);
  const groups = ipv6Groups(address);
  if (groups) return v6Kind(groups);
  return 'not an IP address';
}
