/**
 * The gateway's icon: a red rounded square with a white "U". Every page links the SVG
 * (`FAVICON_SVG_PATH`, pages/layout.ts); `/favicon.ico` answers the same drawing as a 32x32 ICO for
 * whatever asks for that name by itself (a browser showing the JSON API or the OpenAPI document).
 * Both are served by home/home-routes.ts.
 */

export const FAVICON_SVG_PATH = '/favicon.svg';
export const FAVICON_ICO_PATH = '/favicon.ico';

const RED = [0xc7, 0x00, 0x0b] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

/** The drawing, on a 32x32 grid: the square's corner radius, the U's centre line and its stroke. */
const ICON = { size: 32, radius: 7, left: 10, right: 22, top: 8, bend: 17, stroke: 4.5 } as const;

export const FAVICON_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${ICON.size} ${ICON.size}">` +
  `<rect width="${ICON.size}" height="${ICON.size}" rx="${ICON.radius}" fill="#c7000b"/>` +
  `<path d="M${ICON.left} ${ICON.top}V${ICON.bend}a${(ICON.right - ICON.left) / 2} ` +
  `${(ICON.right - ICON.left) / 2} 0 0 0 ${ICON.right - ICON.left} 0V${ICON.top}" fill="none" stroke="#fff" ` +
  `stroke-width="${ICON.stroke}" stroke-linecap="round"/></svg>`;

/** Distance from (x, y) to the U's centre line (two vertical strokes joined by a half circle). */
function distanceToU(x: number, y: number): number {
  const r = (ICON.right - ICON.left) / 2;
  const cx = ICON.left + r;
  const toStroke = (sx: number) => Math.hypot(x - sx, y - Math.min(Math.max(y, ICON.top), ICON.bend));
  const strokes = Math.min(toStroke(ICON.left), toStroke(ICON.right));
  return y >= ICON.bend ? Math.min(strokes, Math.abs(Math.hypot(x - cx, y - ICON.bend) - r)) : strokes;
}

/** Whether (x, y) lies inside the rounded square. */
function insideSquare(x: number, y: number): boolean {
  const { size, radius } = ICON;
  const dx = Math.max(radius - x, x - (size - radius), 0);
  const dy = Math.max(radius - y, y - (size - radius), 0);
  return dx * dx + dy * dy <= radius * radius;
}

/**
 * The icon as a Windows ICO file: one 32x32 32-bit BMP image (BGRA rows bottom-up, then an all-zero
 * AND mask: the alpha channel is the mask), each pixel sampled 4x4 times for smooth edges.
 */
export function faviconIco(): Buffer {
  const { size } = ICON;
  const samples = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      let cover = 0;
      let white = 0;
      for (let i = 0; i < samples; i++) {
        for (let j = 0; j < samples; j++) {
          const x = col + (j + 0.5) / samples;
          const y = row + (i + 0.5) / samples;
          if (!insideSquare(x, y)) continue;
          cover++;
          if (distanceToU(x, y) <= ICON.stroke / 2) white++;
        }
      }
      const at = ((size - 1 - row) * size + col) * 4;
      const w = cover === 0 ? 0 : white / cover;
      for (let c = 0; c < 3; c++) pixels[at + 2 - c] = Math.round(RED[c]! + (WHITE[c]! - RED[c]!) * w);
      pixels[at + 3] = Math.round((255 * cover) / (samples * samples));
    }
  }
  const mask = Buffer.alloc((size / 8) * size);
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // the image and its mask
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  header.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([header, pixels, mask]);
  const directory = Buffer.alloc(6 + 16);
  directory.writeUInt16LE(1, 2); // type: icon
  directory.writeUInt16LE(1, 4); // one image
  directory.writeUInt8(size, 6);
  directory.writeUInt8(size, 7);
  directory.writeUInt16LE(1, 10); // colour planes
  directory.writeUInt16LE(32, 12); // bits per pixel
  directory.writeUInt32LE(image.length, 14);
  directory.writeUInt32LE(directory.length, 18);
  return Buffer.concat([directory, image]);
}
