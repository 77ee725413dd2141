/**
 * Which URLs the gateway may call (notifications) or send a payer's browser to (the WeChat open_id
 * redirect, ret_url): the one check against server-side request forgery.
 *
 * A URL is refused when it is not http(s), carries a user name or password, names `localhost` (or a
 * `.localhost` name), or its host is or resolves to an address address-ranges.ts refuses (loopback,
 * private, link-local, multicast, reserved ... in any spelling: the WHATWG URL parser normalises the
 * host first). The operator's allow-list (UMF_NOTIFY_ALLOW: host names, IP addresses, CIDRs) lets
 * named hosts or ranges through; `allowPrivate` (UMF_NOTIFY_ALLOW_PRIVATE, on by default only for a
 * sandbox gateway on loopback) lets every address through, but never credentials or other schemes.
 *
 * Checked twice: when a request names the URL (`refusal`, resolving the host) and when the
 * notification worker connects (`connectLookup`, the `lookup` of the socket: every address the name
 * resolves to is checked and the socket connects only to a checked one, so a name re-pointed after
 * the request, DNS rebinding, is still refused).
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { refusedKind } from './address-ranges.ts';

/** Resolves a host name to all its addresses (dns.lookup with all: true by default). */
export type ResolveAll = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface OutboundSettings {
  /** Allow private, loopback and other internal addresses (development; UMF_NOTIFY_ALLOW_PRIVATE). */
  readonly allowPrivate: boolean;
  /** Host names, IP addresses or CIDRs allowed even though internal (UMF_NOTIFY_ALLOW). */
  readonly allow: readonly string[];
}

export interface OutboundPolicyOptions extends Partial<OutboundSettings> {
  /** The resolver (tests inject one); defaults to dns.lookup with all: true. */
  readonly resolve?: ResolveAll;
  /** Longest wait for the resolver when a request is checked (default 5 s). */
  readonly resolveTimeoutMs?: number;
}

/** The callback shape of the `lookup` option of net/http/https connections. */
export type ConnectLookup = (
  hostname: string,
  options: { all?: boolean },
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** The error of a connection the policy refused (code EOUTBOUNDREFUSED). */
export class OutboundRefusedError extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

const defaultResolve: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * The entries of an allow-list (comma-separated host names, IP addresses and CIDRs), checked; throws
 * a RangeError naming the bad entry.
 */
export function parseAllowList(text: string): string[] {
  const entries = text
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  for (const entry of entries) allowEntry(entry);
  return entries;
}

type AllowEntry = { kind: 'host'; host: string } | { kind: 'net'; address: string; prefix: number; family: 4 | 6 };

function allowEntry(entry: string): AllowEntry {
  const slash = entry.indexOf('/');
  const address = (slash >= 0 ? entry.slice(0, slash) : entry).replace(/^\[(.*)\]$/, '$1');
  const family = isIP(address);
  if (family === 4 || family === 6) {
    const max = family === 4 ? 32 : 128;
    const prefix = slash >= 0 ? Number(entry.slice(slash + 1)) : max;
    if (!/^\d+$/.test(slash >= 0 ? entry.slice(slash + 1) : String(max)) || prefix > max) {
      throw new RangeError(`"${entry}" is not a valid CIDR (prefix 0-${max})`);
    }
    return { kind: 'net', address, prefix, family };
  }
  const host = entry.replace(/\.$/, '');
  if (slash >= 0 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw new RangeError(`"${entry}" is neither a host name, an IP address nor a CIDR`);
  }
  return { kind: 'host', host };
}

/** The host of a parsed URL as the policy compares it: no brackets, no trailing dot, lower case. */
function bareHost(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

export class OutboundPolicy {
  readonly allowPrivate: boolean;
  readonly #hosts: ReadonlySet<string>;
  readonly #nets = new BlockList();
  readonly #resolve: ResolveAll;
  readonly #resolveTimeoutMs: number;

  constructor(options: OutboundPolicyOptions = {}) {
    this.allowPrivate = options.allowPrivate ?? false;
    const hosts = new Set<string>();
    for (const text of options.allow ?? []) {
      const entry = allowEntry(text.trim().toLowerCase());
      if (entry.kind === 'host') hosts.add(entry.host);
      else this.#nets.addSubnet(entry.address, entry.prefix, entry.family === 4 ? 'ipv4' : 'ipv6');
    }
    this.#hosts = hosts;
    this.#resolve = options.resolve ?? defaultResolve;
    this.#resolveTimeoutMs = options.resolveTimeoutMs ?? 5000;
  }

  /**
   * What is wrong with a URL without resolving its host ("must not hold a user name or password",
   * "points at a loopback address (127.0.0.1)"), or undefined when only its name is left to resolve
   * (or nothing: `needsLookup` false).
   */
  staticRefusal(url: URL): string | undefined {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http(s) URL';
    if (url.username !== '' || url.password !== '') return 'must not hold a user name or password';
    if (this.allowPrivate) return undefined;
    const host = bareHost(url);
    if (this.#hosts.has(host)) return undefined;
    if (isIP(host)) return this.addressRefusal(host);
    if (host === 'localhost' || host.endsWith('.localhost')) return 'points at a loopback address (localhost)';
    return undefined;
  }

  /** Why connecting to an address is refused, or undefined when it is allowed. */
  addressRefusal(address: string, host?: string): string | undefined {
    if (this.allowPrivate) return undefined;
    if (host !== undefined && this.#hosts.has(host)) return undefined;
    const bare = address.replace(/%.*$/, '');
    const kind = refusedKind(bare);
    if (kind === undefined) return undefined;
    const family = isIP(bare);
    if (family !== 0 && this.#nets.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
    return `points at ${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind} address (${bare})`;
  }

  /** Whether the URL's host must still be resolved and its addresses checked. */
  needsLookup(url: URL): boolean {
    const host = bareHost(url);
    return !this.allowPrivate && !this.#hosts.has(host) && isIP(host) === 0;
  }

  /**
   * What is wrong with a URL a request names, resolving its host; undefined when it is allowed. A
   * host that does not resolve (within the timeout) is let through: nothing can connect to it now,
   * and the connection-time check (`connectLookup`) refuses it should it later resolve to a refused
   * address.
   */
  async refusal(text: string): Promise<string | undefined> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'must be an absolute http(s) URL';
    }
    const found = this.staticRefusal(url);
    if (found !== undefined || !this.needsLookup(url)) return found;
    const host = bareHost(url);
    let addresses: readonly LookupAddress[];
    let timer: NodeJS.Timeout | undefined;
    try {
      addresses = await Promise.race([
        this.#resolve(host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.#resolveTimeoutMs);
        }),
      ]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    for (const { address } of addresses) {
      const refused = this.addressRefusal(address, host);
      if (refused !== undefined) return `host ${host} ${refused}`;
    }
    return undefined;
  }

  /**
   * The `lookup` of an outgoing connection: resolves the name, refuses it (EOUTBOUNDREFUSED) when any
   * of its addresses is refused, and hands the socket only checked addresses.
   */
  readonly connectLookup: ConnectLookup = (hostname, options, callback) => {
    const host = hostname
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '')
      .toLowerCase();
    this.#resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`host ${host} has no address`), { code: 'ENOTFOUND' }), []);
          return;
        }
        for (const { address } of addresses) {
          const refused = this.addressRefusal(address, host);
          if (refused !== undefined) {
            callback(new OutboundRefusedError(`refused: host ${host} ${refused}`), []);
            return;
          }
        }
        if (options.all) callback(null, [...addresses]);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };
}
