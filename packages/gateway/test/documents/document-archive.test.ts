/**
 * documents/document-archive.ts: which ZIPs a reviewer gets, and which are refused without being
 * inflated past their limits (path traversal, symlinks, encryption, zip bombs, damage).
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ARCHIVE_LIMITS, inspectArchive } from '../../src/documents/document-archive.ts';
import { goodZip, lyingZip, zipOf } from '../helpers/b2b-documents.ts';

async function problemOf(data: Buffer, limits = DEFAULT_ARCHIVE_LIMITS): Promise<string> {
  const result = await inspectArchive(data, limits);
  assert.ok('problem' in result, `refused: ${JSON.stringify(result)}`);
  return result.problem;
}

/** Sets a field of every central directory entry (offset from the entry's signature). */
function patchCentral(zip: Buffer, offset: number, write: (b: Buffer, at: number) => void): Buffer {
  for (let i = 0; i + 4 <= zip.length; i++) if (zip.readUInt32LE(i) === 0x02014b50) write(zip, i + offset);
  return zip;
}

describe('ZIP inspection', () => {
  test('a good ZIP: its files and their sizes, directories left out', async () => {
    const result = await inspectArchive(
      zipOf({ 'contract.pdf': 'contract', 'scans/': new Uint8Array(0), 'scans/invoice.png': 'png bytes' }),
    );
    assert.deepEqual(result, {
      entries: [
        { name: 'contract.pdf', size: 8 },
        { name: 'scans/invoice.png', size: 9 },
      ],
    });
    const stored = await inspectArchive(zipOf({ 'a.txt': 'stored' }, { level: 0 }));
    assert.deepEqual(stored, { entries: [{ name: 'a.txt', size: 6 }] });
    assert.ok('entries' in (await inspectArchive(goodZip())));
  });

  test('not a ZIP, an empty one, a damaged one', async () => {
    assert.match(await problemOf(Buffer.from('%PDF-1.4 not a zip at all')), /not a ZIP archive/);
    assert.match(await problemOf(Buffer.alloc(0)), /not a ZIP archive/);
    assert.match(await problemOf(zipOf({})), /holds no files/);
    const zip = zipOf({ 'a.txt': 'hello hello hello' }, { level: 0 });
    zip[zip.indexOf('hello')] = 'j'.charCodeAt(0);
    assert.match(await problemOf(zip), /damaged \(CRC-32 mismatch\)/);
    assert.match(await problemOf(zip.subarray(0, zip.length - 30)), /not a ZIP archive/);
  });

  test('entry names that leave the archive, absolute ones, control characters, twice the same', async () => {
    assert.match(await problemOf(zipOf({ '../evil.sh': 'x' })), /leaves the archive/);
    assert.match(await problemOf(zipOf({ 'docs/../../evil.sh': 'x' })), /leaves the archive/);
    assert.match(await problemOf(zipOf({ 'docs\\..\\evil.sh': 'x' })), /leaves the archive/);
    assert.match(await problemOf(zipOf({ '/etc/passwd': 'x' })), /absolute path/);
    assert.match(await problemOf(zipOf({ 'C:\\evil.exe': 'x' })), /absolute path/);
    assert.match(await problemOf(zipOf({ 'a\u0007.txt': 'x' })), /control characters/);
    assert.match(await problemOf(zipOf({ 'a.txt': 'x', 'a.txt/': new Uint8Array(0) })), /twice/);
  });

  test('symbolic links, encrypted entries, other compression methods', async () => {
    const link = zipOf({ 'link.pdf': '/etc/passwd' }, { os: 3, attrs: (0o120777 << 16) >>> 0 });
    assert.match(await problemOf(link), /symbolic link/);
    const encrypted = patchCentral(zipOf({ 'a.txt': 'x' }), 8, (b, at) => b.writeUInt16LE(b.readUInt16LE(at) | 1, at));
    assert.match(await problemOf(encrypted), /encrypted/);
    const bzip = patchCentral(zipOf({ 'a.txt': 'x' }), 10, (b, at) => b.writeUInt16LE(12, at));
    assert.match(await problemOf(bzip), /compression method 12/);
  });

  test('zip bombs: too many entries, declared sizes over the limit or the ratio, a size that lies', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 6; i++) many[`f${i}.txt`] = 'x';
    assert.match(await problemOf(zipOf(many), { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 5 }), /6 entries: at most 5/);
    const zeros = zipOf({ 'zeros.bin': new Uint8Array(4 * 1024 * 1024) }, { level: 9 });
    assert.match(await problemOf(zeros), /expands more than 100 times \(zip bomb guard\)/);
    assert.match(
      await problemOf(zipOf({ 'a.bin': new Uint8Array(2000) }), { ...DEFAULT_ARCHIVE_LIMITS, maxTotalBytes: 1000 }),
      /add up to more than 1000 bytes/,
    );
    // Declared small (no ratio to see), really 8 MiB: inflation stops at the declared size.
    assert.match(await problemOf(lyingZip(8 * 1024 * 1024, 1000)), /inflates beyond its declared size of 1000 bytes/);
  });

  test('an archive over the size limit', async () => {
    assert.match(
      await problemOf(goodZip(), { ...DEFAULT_ARCHIVE_LIMITS, maxArchiveBytes: 100 }),
      /larger than the limit of 100 bytes/,
    );
  });
});
