/**
 * Browser tests' tools: Chromium through playwright-core (Debian's /usr/bin/chromium), full-page
 * screenshots as test artefacts, a local "shop" the pages send the buyer back to (ret_url, the
 * open_id redirect), and a QR decoder for the SVG the gateway serves (independent of the `qrcode`
 * library that drew it: it reads the module grid, checks the format bits and the Reed-Solomon
 * codewords, and decodes the data segments).
 *
 *   const browser = await launchBrowser();
 *   const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
 *   await page.goto(url);
 *   await shot(page, 'wallet-wechat');         // test-artifacts/screenshots/wallet-wechat.png
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const DESKTOP = { viewport: { width: 1280, height: 800 } } as const;
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
} as const;

/** A full-page screenshot under test-artifacts/screenshots/<name>.png; returns its path. */
export async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // (An SVG document has no scrollable page to measure: shoot the viewport.)
  await page.screenshot({ path, fullPage: options.fullPage ?? true, timeout: 10_000 });
  return path;
}

/** The text a person sees on the page (innerText of the body, whitespace collapsed). */
export async function visibleText(page: Page): Promise<string> {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ');
}

/**
 * Records every request that leaves the page for another origin than `allowedOrigins` (the page
 * must be self-contained: no asset, font or script from another site).
 */
export function foreignRequests(page: Page, allowedOrigins: readonly string[]): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('about:')) return;
    if (!allowedOrigins.some((origin) => url.startsWith(origin + '/') || url === origin)) seen.push(url);
  });
  return seen;
}

// ---- the merchant's shop (where the buyer's browser lands) -------------------------------------

export interface ShopVisit {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

export interface ShopServer {
  readonly baseUrl: string;
  readonly visits: readonly ShopVisit[];
  close(): Promise<void>;
}

/** A tiny merchant web site: every GET answers a page that shows what it received. */
export async function startShopServer(name: string): Promise<ShopServer> {
  const visits: ShopVisit[] = [];
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const query = Object.fromEntries(url.searchParams);
    visits.push({ path: url.pathname, query });
    const rows = Object.entries(query)
      .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:40px;color:#222}th{text-align:left;padding-right:16px}` +
        `td{font-family:monospace;word-break:break-all}</style></head>
<body><h1>${escape(name)}</h1><p>Back at the shop: <code>${escape(url.pathname)}</code></p>` +
        `<table>${rows}</table></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    visits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- QR decoding -----------------------------------------------------------------------------------

/** The dark modules of an SVG drawn as horizontal strokes (`M x y.5 h n m dx dy ...`), quiet zone cut. */
export function qrModulesFromSvg(svg: string): boolean[][] {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  if (!viewBox) throw new Error('no viewBox');
  const size = Number(viewBox[1]);
  const grid: boolean[][] = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  const paths = [...svg.matchAll(/<path\b[^>]*\bd="([^"]+)"[^>]*>/g)].filter((m) => /stroke="/.test(m[0]));
  if (paths.length !== 1) throw new Error(`expected one stroked path, found ${paths.length}`);
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of paths[0]![1]!.matchAll(/([MmHh])\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+))?/g)) {
    const n = Number(a);
    if (op === 'M') [x, y] = [n, Number(b)];
    else if (op === 'm') [x, y] = [x + n, y + Number(b)];
    else if (op === 'h') {
      for (let i = 0; i < n; i++) grid[Math.floor(y)]![x + i] = true;
      x += n;
    } else throw new Error(`unexpected path command ${op}`);
  }
  let top = size;
  let left = size;
  let bottom = -1;
  let right = -1;
  grid.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (!dark) return;
      top = Math.min(top, r);
      bottom = Math.max(bottom, r);
      left = Math.min(left, c);
      right = Math.max(right, c);
    }),
  );
  return grid.slice(top, bottom + 1).map((row) => row.slice(left, right + 1));
}

// ISO/IEC 18004 tables for versions 1-10: [EC codewords per block, blocks, data codewords, blocks, data codewords].
const EC_BLOCKS: Record<'L' | 'M' | 'Q' | 'H', number[][]> = {
  L: [
    [7, 1, 19],
    [10, 1, 34],
    [15, 1, 55],
    [20, 1, 80],
    [26, 1, 108],
    [18, 2, 68],
    [20, 2, 78],
    [24, 2, 97],
    [30, 2, 116],
    [18, 2, 68, 2, 69],
  ],
  M: [
    [10, 1, 16],
    [16, 1, 28],
    [26, 1, 44],
    [18, 2, 32],
    [24, 2, 43],
    [16, 4, 27],
    [18, 4, 31],
    [22, 2, 38, 2, 39],
    [22, 3, 36, 2, 37],
    [26, 4, 43, 1, 44],
  ],
  Q: [
    [13, 1, 13],
    [22, 1, 22],
    [18, 2, 17],
    [26, 2, 24],
    [18, 2, 15, 2, 16],
    [24, 4, 19],
    [18, 2, 14, 4, 15],
    [22, 4, 18, 2, 19],
    [20, 4, 16, 4, 17],
    [24, 6, 19, 2, 20],
  ],
  H: [
    [17, 1, 9],
    [28, 1, 16],
    [22, 2, 13],
    [16, 4, 9],
    [22, 2, 11, 2, 12],
    [28, 4, 15],
    [26, 4, 13, 1, 14],
    [26, 4, 14, 2, 15],
    [24, 4, 12, 4, 13],
    [28, 6, 15, 2, 16],
  ],
};
const ALIGNMENT: number[][] = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
];
const LEVEL_OF_BITS = { 1: 'L', 0: 'M', 3: 'Q', 2: 'H' } as const;

function formatCode(levelBits: number, mask: number): number {
  const data = (levelBits << 3) | mask;
  let rem = data << 10;
  for (let i = 14; i >= 10; i--) if (rem & (1 << i)) rem ^= 0x537 << (i - 10);
  return ((data << 10) | rem) ^ 0x5412;
}

function maskBit(mask: number, r: number, c: number): boolean {
  switch (mask) {
    case 0:
      return (r + c) % 2 === 0;
    case 1:
      return r % 2 === 0;
    case 2:
      return c % 3 === 0;
    case 3:
      return (r + c) % 3 === 0;
    case 4:
      return (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0;
    case 5:
      return ((r * c) % 2) + ((r * c) % 3) === 0;
    case 6:
      return (((r * c) % 2) + ((r * c) % 3)) % 2 === 0;
    default:
      return (((r + c) % 2) + ((r * c) % 3)) % 2 === 0;
  }
}

const GF_EXP = new Uint8Array(512);
const GF_LOG = new Uint8Array(256);
{
  let v = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = v;
    GF_LOG[v] = i;
    v <<= 1;
    if (v & 0x100) v ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) GF_EXP[i] = GF_EXP[i - 255]!;
}
const gfMul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : GF_EXP[GF_LOG[a]! + GF_LOG[b]!]!);

/** Decodes a QR code's module grid (versions 1-10; numeric, alphanumeric and byte segments). */
export function decodeQrModules(m: boolean[][]): { text: string; version: number; level: string; mask: number } {
  const n = m.length;
  const version = (n - 17) / 4;
  if (!Number.isInteger(version) || version < 1 || version > 10 || m.some((row) => row.length !== n))
    throw new Error(`not a version 1-10 QR grid (${n} modules)`);
  // Finder patterns: the 7x7 squares in three corners.
  for (const [r0, c0] of [
    [0, 0],
    [0, n - 7],
    [n - 7, 0],
  ] as const) {
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 7; c++) {
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
        if (m[r0 + r]![c0 + c] !== (ring !== 2)) throw new Error(`finder pattern broken at ${r0 + r},${c0 + c}`);
      }
  }
  let format = 0;
  for (let i = 0; i < 15; i++) {
    const r = i < 6 ? i : i < 8 ? i + 1 : n - 15 + i;
    if (m[r]![8]) format |= 1 << i;
  }
  let best: { levelBits: number; mask: number; distance: number } | undefined;
  for (let levelBits = 0; levelBits < 4; levelBits++)
    for (let mask = 0; mask < 8; mask++) {
      let x = formatCode(levelBits, mask) ^ format;
      let distance = 0;
      for (; x; x &= x - 1) distance++;
      if (!best || distance < best.distance) best = { levelBits, mask, distance };
    }
  if (!best || best.distance > 3) throw new Error('format information unreadable');
  const level = LEVEL_OF_BITS[best.levelBits as 0 | 1 | 2 | 3];
  const { mask } = best;

  const reserved: boolean[][] = Array.from({ length: n }, (_, r) =>
    Array.from(
      { length: n },
      (_, c) => (r < 9 && c < 9) || (r < 9 && c >= n - 8) || (r >= n - 8 && c < 9) || r === 6 || c === 6,
    ),
  );
  if (version >= 7) {
    for (let i = 0; i < 6; i++)
      for (let j = n - 11; j < n - 8; j++) {
        reserved[i]![j] = true;
        reserved[j]![i] = true;
      }
  }
  const centres = ALIGNMENT[version - 1]!;
  for (const cr of centres)
    for (const cc of centres) {
      const last = centres[centres.length - 1];
      if ((cr === 6 && cc === 6) || (cr === 6 && cc === last) || (cr === last && cc === 6)) continue;
      for (let r = cr - 2; r <= cr + 2; r++) for (let c = cc - 2; c <= cc + 2; c++) reserved[r]![c] = true;
    }

  const bits: number[] = [];
  let upward = true;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let i = 0; i < n; i++) {
      const r = upward ? n - 1 - i : i;
      for (let k = 0; k < 2; k++) {
        const c = right - k;
        if (!reserved[r]![c]) bits.push((m[r]![c] ? 1 : 0) ^ (maskBit(mask, r, c) ? 1 : 0));
      }
    }
    upward = !upward;
  }
  const codewords: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8)
    codewords.push(bits.slice(i, i + 8).reduce((acc, b) => (acc << 1) | b, 0));

  const [ecPerBlock, g1, d1, g2 = 0, d2 = 0] = EC_BLOCKS[level][version - 1]!;
  const dataLengths = [...Array<number>(g1!).fill(d1!), ...Array<number>(g2).fill(d2)];
  const blocks: number[][] = dataLengths.map(() => []);
  let at = 0;
  for (let i = 0; i < Math.max(...dataLengths); i++)
    dataLengths.forEach((len, b) => i < len && blocks[b]!.push(codewords[at++]!));
  for (let i = 0; i < ecPerBlock!; i++) blocks.forEach((block) => block.push(codewords[at++]!));
  // Every block is a Reed-Solomon codeword: its syndromes at alpha^0..alpha^(ec-1) are all zero.
  blocks.forEach((block, b) => {
    for (let j = 0; j < ecPerBlock!; j++) {
      let s = 0;
      for (const byte of block) s = gfMul(s, GF_EXP[j]!) ^ byte;
      if (s !== 0) throw new Error(`Reed-Solomon check failed in block ${b}`);
    }
  });
  const data = blocks.flatMap((block, b) => block.slice(0, dataLengths[b]));

  let pos = 0;
  const read = (count: number) => {
    let v = 0;
    for (let i = 0; i < count; i++) {
      const byte = data[(pos + i) >> 3] ?? 0;
      v = (v << 1) | ((byte >> (7 - ((pos + i) & 7))) & 1);
    }
    pos += count;
    return v;
  };
  const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  const bytes: number[] = [];
  const large = version >= 10;
  while (pos + 4 <= data.length * 8) {
    const mode = read(4);
    if (mode === 0) break;
    if (mode === 1) {
      let count = read(large ? 12 : 10);
      for (; count >= 3; count -= 3) bytes.push(...Buffer.from(String(read(10)).padStart(3, '0')));
      if (count === 2) bytes.push(...Buffer.from(String(read(7)).padStart(2, '0')));
      if (count === 1) bytes.push(...Buffer.from(String(read(4))));
    } else if (mode === 2) {
      let count = read(large ? 11 : 9);
      for (; count >= 2; count -= 2) {
        const v = read(11);
        bytes.push(ALNUM.charCodeAt(Math.floor(v / 45)), ALNUM.charCodeAt(v % 45));
      }
      if (count === 1) bytes.push(ALNUM.charCodeAt(read(6)));
    } else if (mode === 4) {
      const count = read(large ? 16 : 8);
      for (let i = 0; i < count; i++) bytes.push(read(8));
    } else if (mode === 7) {
      read(8);
    } else throw new Error(`unsupported segment mode ${mode}`);
  }
  return { text: Buffer.from(bytes).toString('utf8'), version, level, mask };
}

export function decodeQrSvg(svg: string): string {
  return decodeQrModules(qrModulesFromSvg(svg)).text;
}
