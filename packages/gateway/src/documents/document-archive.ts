/**
 * Whether an upload is a ZIP the reviewer can open, and what it holds, checked without trusting it:
 *
 * - the central directory is read by hand (no ZIP64, no multi-disk archives, at most `maxEntries`
 *   entries); every entry's local header must agree with it;
 * - entry names are relative and stay inside the archive: no absolute paths (`/x`, `C:\x`), no `..`
 *   segment, no control characters, none twice; symlink entries and encrypted entries are refused,
 *   and only stored (0) and deflated (8) entries are read;
 * - zip-bomb guard: the declared sizes must add up to at most `maxTotalBytes`, and an entry over
 *   `ratioFloorBytes` may not claim to expand more than `maxRatio` times; then every entry is inflated
 *   with zlib's `maxOutputLength` set to its declared size, so a lying header stops the inflation at
 *   that size instead of filling memory, and the result must have the declared size and CRC-32.
 *
 * The work is bounded by the limits: at most maxTotalBytes are inflated, off the event loop (zlib
 * runs on libuv's thread pool).
 */
import { crc32, inflateRaw, type ZlibOptions } from 'node:zlib';
import type { DocumentEntry } from './document-record.ts';

export interface ArchiveLimits {
  /** The largest upload (the FTP server cuts a transfer past it). */
  readonly maxArchiveBytes: number;
  /** The most the entries may add up to, uncompressed. */
  readonly maxTotalBytes: number;
  readonly maxEntries: number;
  /** Largest compression ratio of an entry over ratioFloorBytes. */
  readonly maxRatio: number;
  readonly ratioFloorBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 50 * 1024 * 1024,
  maxTotalBytes: 200 * 1024 * 1024,
  maxEntries: 1000,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

export type ArchiveInspection = { readonly entries: readonly DocumentEntry[] } | { readonly problem: string };

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_LOCATOR = 0x07064b50;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function inflate(data: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    inflateRaw(data, { maxOutputLength } as ZlibOptions, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/** The problem of an entry name, or undefined when it is a safe relative name. */
function nameProblem(name: string): string | undefined {
  if (name === '') return 'an entry has no name';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return `entry ${JSON.stringify(name)} has control characters in its name`;
  const path = name.replaceAll('\\', '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `entry ${JSON.stringify(name)} has an absolute path`;
  if (path.split('/').some((segment) => segment === '..'))
    return `entry ${JSON.stringify(name)} leaves the archive (../ in its path)`;
  return undefined;
}

interface CentralEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
  readonly directory: boolean;
}

/** Reads the central directory: its entries, or the problem. */
function centralDirectory(data: Buffer, limits: ArchiveLimits): CentralEntry[] | string {
  const notZip = 'not a ZIP archive (no end of central directory record)';
  if (data.length < 22) return notZip;
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === EOCD && i + 22 + data.readUInt16LE(i + 20) === data.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return notZip;
  if (eocd >= 20 && data.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) return 'ZIP64 archives are not accepted';
  const disk = data.readUInt16LE(eocd + 4);
  const cdDisk = data.readUInt16LE(eocd + 6);
  const onDisk = data.readUInt16LE(eocd + 8);
  const total = data.readUInt16LE(eocd + 10);
  const cdSize = data.readUInt32LE(eocd + 12);
  const cdOffset = data.readUInt32LE(eocd + 16);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== total) return 'multi-part (spanned) archives are not accepted';
  if (total > limits.maxEntries) return `the archive has ${total} entries: at most ${limits.maxEntries} are accepted`;
  if (cdOffset + cdSize > eocd) return 'the archive is damaged (its central directory lies outside it)';
  const entries: CentralEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < total; i++) {
    if (at + 46 > cdOffset + cdSize || data.readUInt32LE(at) !== CENTRAL)
      return 'the archive is damaged (a central directory entry is missing)';
    const madeBy = data.readUInt16LE(at + 4);
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const crc = data.readUInt32LE(at + 16);
    const compressedSize = data.readUInt32LE(at + 20);
    const size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const externalAttributes = data.readUInt32LE(at + 38);
    const localOffset = data.readUInt32LE(at + 42);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > cdOffset + cdSize) return 'the archive is damaged (a central directory entry is cut off)';
    const name = data.subarray(at + 46, at + 46 + nameLength).toString(flags & 0x800 ? 'utf8' : 'latin1');
    at = end;
    const problem = nameProblem(name);
    if (problem) return problem;
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff)
      return 'ZIP64 archives are not accepted';
    if (flags & 0x1 || flags & 0x40 || method === 99)
      return `entry ${JSON.stringify(name)} is encrypted: upload the documents unencrypted`;
    if (madeBy >> 8 === UNIX_HOST && ((externalAttributes >>> 16) & S_IFMT) === S_IFLNK)
      return `entry ${JSON.stringify(name)} is a symbolic link: only files are accepted`;
    if (method !== 0 && method !== 8)
      return (
        `entry ${JSON.stringify(name)} uses compression method ${method}: ` +
        'only stored and deflated entries are accepted'
      );
    entries.push({
      name,
      method,
      crc,
      compressedSize,
      size,
      localOffset,
      directory: name.endsWith('/') || name.endsWith('\\'),
    });
  }
  return entries;
}

/** Inspects `data` (see the header): the files it holds, or why it is refused. */
export async function inspectArchive(
  data: Buffer,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveInspection> {
  if (data.length > limits.maxArchiveBytes)
    return { problem: `the file is larger than the limit of ${limits.maxArchiveBytes} bytes` };
  const central = centralDirectory(data, limits);
  if (typeof central === 'string') return { problem: central };
  const seen = new Set<string>();
  let declared = 0;
  for (const entry of central) {
    const key = entry.name.replaceAll('\\', '/').replace(/\/+$/, '');
    if (seen.has(key)) return { problem: `entry ${JSON.stringify(entry.name)} is in the archive twice` };
    seen.add(key);
    declared += entry.size;
    if (declared > limits.maxTotalBytes)
      return { problem: `the files add up to more than ${limits.maxTotalBytes} bytes uncompressed (zip bomb guard)` };
    if (entry.size > limits.ratioFloorBytes && entry.size > entry.compressedSize * limits.maxRatio)
      return {
        problem: `entry ${JSON.stringify(entry.name)} expands more than ${limits.maxRatio} times (zip bomb guard)`,
      };
  }
  const files = central.filter((e) => !e.directory);
  if (files.length === 0) return { problem: 'the archive holds no files' };
  for (const entry of central) {
    const at = entry.localOffset;
    if (at + 30 > data.length || data.readUInt32LE(at) !== LOCAL)
      return { problem: `the archive is damaged (entry ${JSON.stringify(entry.name)} has no local header)` };
    const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
    const end = start + entry.compressedSize;
    if (end > data.length)
      return { problem: `the archive is damaged (entry ${JSON.stringify(entry.name)} is cut off)` };
    if (entry.directory) continue;
    const compressed = data.subarray(start, end);
    let content: Buffer;
    if (entry.method === 0) {
      content = compressed;
    } else {
      try {
        content = await inflate(compressed, Math.max(1, entry.size));
      } catch (error) {
        return {
          problem:
            (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
              ? `entry ${JSON.stringify(entry.name)} inflates beyond its declared size of ${entry.size} bytes ` +
                '(zip bomb guard)'
              : `entry ${JSON.stringify(entry.name)} is damaged (not valid deflate data)`,
        };
      }
    }
    if (content.length !== entry.size)
      return {
        problem: `entry ${JSON.stringify(entry.name)} is damaged (${content.length} bytes, ${entry.size} declared)`,
      };
    if (crc32(content) !== entry.crc)
      return { problem: `entry ${JSON.stringify(entry.name)} is damaged (CRC-32 mismatch)` };
  }
  return { entries: files.map((e) => ({ name: e.name, size: e.size })) };
}
