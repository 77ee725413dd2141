/** Stored documents stay private: securePrivateFiles sets documents/ and its folders 0700, their files 0600. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { securePrivateFiles } from '../../src/crypto/master-key.ts';

test('documents an older gateway or a umask left readable are made private at start-up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'umf-doc-modes-'));
  const folder = join(dataDir, 'documents', 'M12345678901');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'ORDER-12202612040001.zip');
  writeFileSync(file, 'zip');
  chmodSync(file, 0o644);
  chmodSync(folder, 0o755);
  chmodSync(join(dataDir, 'documents'), 0o755);
  securePrivateFiles(dataDir);
  assert.equal(statSync(join(dataDir, 'documents')).mode & 0o777, 0o700);
  assert.equal(statSync(folder).mode & 0o777, 0o700);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});
