/**
 * Self-contained placeholder logos for the banks, served by the gateway as each
 * bank's logo_url (`/static/banks/{code}.svg`). Nothing is fetched from elsewhere.
 */

import type { Bank } from './banks.ts';

const SIZE = 64;
const PADDING = 6;

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** FNV-1a (32-bit) over the code's UTF-16 units: stable across runs and platforms. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** HSL (h in degrees, s and l in 0..1) to a #rrggbb string. */
function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number): string => {
    const k = (n + h / 30) % 12;
    const v = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** A colour derived from the bank code; dark enough for white text to stay legible. */
export function bankColour(code: string): string {
  const h = hash(code);
  const hue = h % 360;
  const saturation = 0.55 + ((h >>> 9) % 21) / 100; // 0.55 .. 0.75
  const lightness = 0.3 + ((h >>> 17) % 9) / 100; // 0.30 .. 0.38
  return hslToHex(hue, saturation, lightness);
}

/** An SVG logo: a rounded square in the bank's colour with its code in white. */
export function bankLogoSvg(bank: Bank): string {
  const code = escapeXml(bank.code);
  const label = escapeXml(`${bank.name} (${bank.code})`);
  // Rough width of a bold sans-serif capital is ~0.68em; fit the code inside the padding.
  const fontSize = Math.min(24, Math.floor((SIZE - 2 * PADDING) / (0.68 * Math.max(1, bank.code.length))));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" ` +
    `role="img" aria-label="${label}">` +
    `<title>${label}</title>` +
    `<rect width="${SIZE}" height="${SIZE}" rx="12" ry="12" fill="${bankColour(bank.code)}"/>` +
    `<text x="${SIZE / 2}" y="${SIZE / 2}" fill="#ffffff" font-family="Helvetica, Arial, sans-serif" ` +
    `font-weight="700" font-size="${fontSize}" text-anchor="middle" dominant-baseline="central">${code}</text>` +
    `</svg>`
  );
}
