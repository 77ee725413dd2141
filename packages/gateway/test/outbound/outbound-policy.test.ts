/**
 * The outbound URL policy (issue 9, finding 1: SSRF): unit tests of outbound-policy.ts and
 * address-ranges.ts, and a seeded property test that generates addresses in every refused range,
 * renders each in a random spelling (dotted, one 32-bit number, hex, octal, mixed, short forms,
 * trailing dot, IPv4-mapped / compatible / NAT64 / 6to4 IPv6, expanded or compressed, upper case) and
 * asserts every one is refused, while random public addresses in random spellings are allowed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { OutboundPolicy, parseAllowList, type ResolveAll } from '../../src/outbound/outbound-policy.ts';
import { ipv6Groups, refusedKind } from '../../src/outbound/address-ranges.ts';

const noDns: ResolveAll = () => Promise.reject(new Error('the resolver must not be asked'));
const strict = new OutboundPolicy({ allowPrivate: false, resolve: noDns });

/** mulberry32: a small seeded generator, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.UMF_PROPERTY_SEED ?? 20261203);
const RUNS = 4000;

/** The refused IPv4 ranges, written independently of address-ranges.ts (the oracle). */
const V4_FORBIDDEN: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const oracle = new BlockList();
for (const [net, bits] of V4_FORBIDDEN) oracle.addSubnet(net, bits, 'ipv4');

const toInt = (dotted: string): number => dotted.split('.').reduce((n, p) => n * 256 + Number(p), 0);
const parts = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const dotted = (n: number): string => parts(n).join('.');
const hex4 = (n: number): string => n.toString(16);

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** One IPv4 part (0-255, or a wider last part) as decimal, octal or hex (either case). */
function renderNumber(r: () => number, n: number): string {
  switch (Math.floor(r() * 4)) {
    case 0:
      return String(n);
    case 1:
      return `0${n.toString(8)}`;
    case 2:
      return `0x${n.toString(16)}`;
    default:
      return `0X${n.toString(16).toUpperCase()}`;
  }
}

/** An IPv4 address as a URL host, in a random spelling the WHATWG parser reads as that address. */
function renderV4(r: () => number, n: number): string {
  const [a, b, c, d] = parts(n) as [number, number, number, number];
  const dot = r() < 0.15 ? '.' : '';
  switch (Math.floor(r() * 6)) {
    case 0:
      return dotted(n) + dot;
    case 1:
      return renderNumber(r, n) + dot; // one 32-bit number: 2130706433, 0x7f000001, 017700000001
    case 2:
      return [a, b, c, d].map((p) => renderNumber(r, p)).join('.') + dot; // mixed per part
    case 3:
      return `${renderNumber(r, a)}.${renderNumber(r, b)}.${renderNumber(r, c * 256 + d)}${dot}`; // a.b.c16
    case 4:
      return `${renderNumber(r, a)}.${renderNumber(r, b * 65536 + c * 256 + d)}${dot}`; // a.b24 (127.1)
    default:
      return `[${renderV6Embedding(r, n)}]`;
  }
}

/** An IPv6 spelling that embeds the IPv4 address: mapped, compatible, translated, NAT64, 6to4. */
function renderV6Embedding(r: () => number, n: number): string {
  const hi = hex4(n >>> 16);
  const lo = hex4(n & 0xffff);
  const forms = [
    `::ffff:${dotted(n)}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `0000:0000:0000:0000:0000:FFFF:${hi.toUpperCase()}:${lo.toUpperCase()}`,
    `::ffff:0:${dotted(n)}`,
    `64:ff9b::${dotted(n)}`,
    `64:ff9b::${hi}:${lo}`,
    `2002:${hi}:${lo}::${hex4(Math.floor(r() * 65536))}`,
    `2002:${hi}:${lo}:${hex4(Math.floor(r() * 65536))}::1`,
  ];
  // ::a.b.c.d (compatible) is a public-ish address for public v4s; only use it for refused ones.
  if (oracle.check(dotted(n), 'ipv4')) forms.push(`::${dotted(n)}`);
  return pick(r, forms);
}

function randomIn(r: () => number, net: string, bits: number): number {
  const size = 2 ** (32 - bits);
  return toInt(net) + Math.floor(r() * size);
}

function groupsIn(r: () => number, prefix: number, bits: number): number[] {
  const g = Array.from({ length: 8 }, () => Math.floor(r() * 65536));
  const keep = 16 - bits;
  g[0] = (prefix & ~((1 << keep) - 1) & 0xffff) | (g[0]! & ((1 << keep) - 1));
  return g;
}

/** An IPv6 address as a URL host: compressed or expanded, lower or upper case, leading zeros. */
function renderV6(r: () => number, g: readonly number[]): string {
  let text: string;
  switch (Math.floor(r() * 3)) {
    case 0:
      text = g.map((x) => x.toString(16).padStart(4, '0')).join(':');
      break;
    case 1:
      text = g.map((x) => x.toString(16)).join(':');
      break;
    default: {
      // compress the longest run of zeros (there may be none)
      const plain = g.map((x) => x.toString(16)).join(':');
      text = plain.replace(/(^|:)0(:0)+(:|$)/, '::');
    }
  }
  return `[${r() < 0.5 ? text.toUpperCase() : text}]`;
}

function urlOf(r: () => number, host: string): string {
  const scheme = r() < 0.5 ? 'http' : 'https';
  const port = r() < 0.5 ? '' : `:${1 + Math.floor(r() * 65535)}`;
  return `${scheme}://${host}${port}/umf/notify?x=${Math.floor(r() * 1000)}`;
}

/** A URL naming an internal address, and a label of what it is. */
function internalUrl(r: () => number): { url: string; what: string } {
  if (r() < 0.7) {
    const [net, bits] = pick(r, [...V4_FORBIDDEN, ['255.255.255.255', 32] as [string, number]]);
    const n = randomIn(r, net, bits);
    return { url: urlOf(r, renderV4(r, n)), what: `${dotted(n)} in ${net}/${bits}` };
  }
  const [prefix, bits, label] = pick(r, [
    [0xfc00, 7, 'ULA'],
    [0xfe80, 10, 'link-local'],
    [0xfec0, 10, 'site-local'],
    [0xff00, 8, 'multicast'],
    [0x0100, 8, 'reserved'],
  ] as Array<[number, number, string]>);
  const g = groupsIn(r, prefix, bits);
  if (r() < 0.1) return { url: urlOf(r, pick(r, ['[::1]', '[::]', '[0:0:0:0:0:0:0:1]', '[::0001]'])), what: '::1/::' };
  return { url: urlOf(r, renderV6(r, g)), what: `${label} ${g.map((x) => x.toString(16)).join(':')}` };
}

function publicUrl(r: () => number): { url: string; what: string } {
  if (r() < 0.7) {
    let n: number;
    do n = Math.floor(r() * 2 ** 32);
    while (oracle.check(dotted(n), 'ipv4') || n === 0xffffffff);
    return { url: urlOf(r, renderV4(r, n)), what: dotted(n) };
  }
  // global unicast 2400::/6 .. 2fff: (no special-purpose block there)
  const g = Array.from({ length: 8 }, () => Math.floor(r() * 65536));
  g[0] = 0x2400 + Math.floor(r() * 0x0c00);
  return { url: urlOf(r, renderV6(r, g)), what: g.map((x) => x.toString(16)).join(':') };
}

test('property: every generated spelling of an internal address is refused (no DNS asked)', async () => {
  const r = rng(SEED);
  for (let i = 0; i < RUNS; i++) {
    const { url, what } = internalUrl(r);
    assert.doesNotThrow(() => new URL(url), `seed ${SEED} run ${i}: ${url} parses (the spelling is real)`);
    const refused = await strict.refusal(url);
    assert.ok(refused !== undefined, `seed ${SEED} run ${i}: ${url} (${what}) must be refused`);
    assert.match(refused, /^points at an? /, `${url}: ${refused}`);
    assert.ok(strict.staticRefusal(new URL(url)) !== undefined, `${url}: refused before any connection`);
  }
});

test('property: random public addresses in random spellings are allowed', async () => {
  const r = rng(SEED + 1);
  for (let i = 0; i < RUNS; i++) {
    const { url, what } = publicUrl(r);
    assert.equal(await strict.refusal(url), undefined, `seed ${SEED + 1} run ${i}: ${url} (${what}) is public`);
  }
});

test('the spellings of the finding are refused, each naming the kind and the address', async () => {
  const cases: Array<[string, RegExp]> = [
    ['http://127.0.0.1/', /loopback address \(127\.0\.0\.1\)/],
    ['http://localhost:8080/', /loopback address \(localhost\)/],
    ['http://sub.LOCALHOST./', /loopback address \(localhost\)/],
    ['http://[::1]/', /loopback address \(::1\)/],
    ['http://2130706433/', /loopback address \(127\.0\.0\.1\)/],
    ['http://0x7f000001/', /loopback address \(127\.0\.0\.1\)/],
    ['http://0X7F000001/', /loopback/],
    ['http://127.1/', /loopback/],
    ['http://127.0.0.1./', /loopback/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://169.254.169.254/latest/meta-data/', /link-local address \(169\.254\.169\.254\)/],
    ['http://[::ffff:169.254.169.254]/', /IPv4-mapped link-local/],
    ['http://100.100.100.200/', /carrier-grade NAT/],
    ['http://[fd12:3456::1]/', /unique local/],
    ['http://[FE80::1]/', /link-local/],
    ['http://[ff02::1]/', /multicast/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://[64:ff9b::a9fe:a9fe]/', /NAT64 link-local/],
    ['http://[2002:c0a8:101::1]/', /6to4 private/],
    ['http://[2001:db8::1]/', /documentation/],
  ];
  for (const [url, why] of cases) assert.match((await strict.refusal(url)) ?? 'allowed', why, url);
});

test('zone ids, other schemes and credentials are refused whatever the policy', async () => {
  const lax = new OutboundPolicy({ allowPrivate: true, resolve: noDns });
  for (const policy of [strict, lax]) {
    assert.equal(await policy.refusal('http://[fe80::1%25eth0]/'), 'must be an absolute http(s) URL');
    assert.equal(await policy.refusal('ftp://93.184.215.14/'), 'must be an absolute http(s) URL');
    assert.equal(await policy.refusal('file:///etc/passwd'), 'must be an absolute http(s) URL');
    assert.equal(await policy.refusal('http://user:pw@93.184.215.14/'), 'must not hold a user name or password');
    assert.equal(await policy.refusal('http://user@93.184.215.14/'), 'must not hold a user name or password');
    assert.equal(await policy.refusal('http://:pw@93.184.215.14/'), 'must not hold a user name or password');
  }
  assert.equal(await lax.refusal('http://127.0.0.1:9/'), undefined, 'allowPrivate lets loopback through');
});

test('host names are resolved and every address is checked; an unresolvable name is left to connect time', async () => {
  const answers: Record<string, string[]> = {
    'shop.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'mixed.example': ['93.184.215.14', '10.1.2.3'],
    'v6.example': ['2606:2800::1', '::ffff:127.0.0.1'],
    'zoned.example': ['fe80::1%eth0'],
  };
  const asked: string[] = [];
  const resolve: ResolveAll = async (host) => {
    asked.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const policy = new OutboundPolicy({ allowPrivate: false, resolve });
  assert.equal(await policy.refusal('https://shop.example/notify'), undefined);
  assert.match(
    (await policy.refusal('https://mixed.example/')) ?? '',
    /^host mixed\.example points at a private address \(10\.1\.2\.3\)/,
  );
  assert.match((await policy.refusal('https://V6.Example./')) ?? '', /IPv4-mapped loopback/);
  assert.match((await policy.refusal('https://zoned.example/')) ?? '', /link-local address \(fe80::1\)/);
  assert.equal(await policy.refusal('https://nowhere.example/'), undefined);
  assert.deepEqual(asked, ['shop.example', 'mixed.example', 'v6.example', 'zoned.example', 'nowhere.example']);

  const slow = new OutboundPolicy({ resolve: () => new Promise(() => undefined), resolveTimeoutMs: 20 });
  assert.equal(
    await slow.refusal('https://slow.example/'),
    undefined,
    'a resolver that hangs does not hang the request',
  );
});

test('the allow-list lets named hosts and CIDRs through, and only them', async () => {
  const resolve: ResolveAll = async (host) =>
    host === 'intranet.corp' ? [{ address: '10.9.8.7', family: 4 }] : [{ address: '10.9.8.8', family: 4 }];
  const policy = new OutboundPolicy({
    allowPrivate: false,
    allow: parseAllowList(' intranet.corp , 192.168.50.0/24,fd00:1::/32, 172.20.0.5 '),
    resolve,
  });
  assert.equal(await policy.refusal('http://intranet.corp/n'), undefined);
  assert.match((await policy.refusal('http://other.corp/n')) ?? '', /private address \(10\.9\.8\.8\)/);
  assert.equal(await policy.refusal('http://192.168.50.9/n'), undefined);
  assert.equal(await policy.refusal('http://0xc0a83209/n'), undefined, '192.168.50.9 spelled in hex');
  assert.match((await policy.refusal('http://192.168.51.9/n')) ?? '', /private/);
  assert.equal(await policy.refusal('http://[fd00:1::9]/n'), undefined);
  assert.match((await policy.refusal('http://[fd00:2::9]/n')) ?? '', /unique local/);
  assert.equal(await policy.refusal('http://172.20.0.5/n'), undefined);
  assert.match((await policy.refusal('http://172.20.0.6/n')) ?? '', /private/);
  assert.match((await policy.refusal('http://u:p@intranet.corp/n')) ?? '', /user name or password/);
});

test('parseAllowList refuses what is neither a host, an address nor a CIDR', () => {
  assert.deepEqual(parseAllowList(''), []);
  assert.deepEqual(parseAllowList('A.Example., 10.0.0.0/8'), ['a.example.', '10.0.0.0/8']);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', 'http://x', 'a b', 'bad_host', '10.0.0.0/']) {
    assert.throws(() => parseAllowList(bad), RangeError, bad);
  }
});

test('connectLookup hands the socket only checked addresses, and refuses a name with any refused one', async () => {
  const resolve: ResolveAll = async (host) =>
    host === 'good.example'
      ? [
          { address: '93.184.215.14', family: 4 },
          { address: '2606:2800::1', family: 6 },
        ]
      : [
          { address: '93.184.215.14', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ];
  const policy = new OutboundPolicy({ allowPrivate: false, resolve });
  const call = (host: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
      policy.connectLookup(host, { all }, (err, address, family) => done({ err, address, family })),
    );
  assert.deepEqual(await call('good.example', false), { err: null, address: '93.184.215.14', family: 4 });
  const all = await call('good.example', true);
  assert.equal(all.err, null);
  assert.deepEqual(all.address, [
    { address: '93.184.215.14', family: 4 },
    { address: '2606:2800::1', family: 6 },
  ]);
  const bad = await call('rebound.example', true);
  assert.equal(bad.err?.code, 'EOUTBOUNDREFUSED');
  assert.match(bad.err?.message ?? '', /loopback address \(127\.0\.0\.1\)/);
});

test('address-ranges reads every IPv6 spelling into the same groups', () => {
  const expect = [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1];
  for (const text of ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::FFFF:7F00:0001']) {
    assert.deepEqual(ipv6Groups(text), expect, text);
  }
  assert.deepEqual(ipv6Groups('1::'), [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(ipv6Groups('not an address'), undefined);
  assert.equal(refusedKind('example.com'), 'not an IP address');
  assert.equal(refusedKind('8.8.8.8'), undefined);
  assert.equal(refusedKind('2606:4700::1111'), undefined);
  assert.equal(refusedKind('::ffff:8.8.8.8'), undefined, 'a mapped public address is public');
});
