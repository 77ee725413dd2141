/**
 * The master key protects secrets at rest: the platform's private key and the card data held between
 * SMS verification and the bank's answer. It comes from `UMF_MASTER_KEY` (base64 of 32 bytes) or a
 * key file (`master.key` in the data directory, created with mode 0600 on first start; the data
 * directory is kept 0700 and its database and merchant key files 0600: securePrivateFiles). Gateways
 * sharing one PostgreSQL database must share the master key.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class SecretBox {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('a secret box key is 32 bytes');
    this.#key = key;
  }
  /** Derives an independent key for one purpose (HKDF-SHA256). */
  derive(purpose: string): SecretBox {
    return new SecretBox(Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `umf-gateway ${purpose}`, 32)));
  }
  /** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` in base64url. `context` is bound as AAD. */
  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(
      '.',
    );
  }
  open(sealed: string, context = ''): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('sealed value has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
  /** A keyed hash (HMAC-SHA256, hex) for lookups of values that must not be stored in clear. */
  fingerprint(value: string): string {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest('hex');
  }
}

export interface MasterKeySource {
  readonly env?: string | undefined;
  readonly keyFile: string;
}

export function loadMasterKey(source: MasterKeySource): SecretBox {
  if (source.env) {
    const key = Buffer.from(source.env, 'base64');
    if (key.length !== 32) throw new Error('UMF_MASTER_KEY must be the base64 encoding of 32 random bytes');
    return new SecretBox(key);
  }
  if (existsSync(source.keyFile)) {
    const mode = statSync(source.keyFile).mode & 0o777;
    if (mode & 0o077)
      throw new Error(`${source.keyFile} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
    const key = Buffer.from(readFileSync(source.keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${source.keyFile} does not hold a base64 32-byte key`);
    return new SecretBox(key);
  }
  mkdirSync(dirname(source.keyFile), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    writeFileSync(source.keyFile, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadMasterKey(source);
    throw error;
  }
  chmodSync(source.keyFile, 0o600);
  return new SecretBox(key);
}

/** The gateway's own files in a data directory: SQLite databases (and their -wal/-shm/-journal). */
const DATABASE_FILE = /\.(sqlite|sqlite3|db)(-wal|-shm|-journal)?$/;

/**
 * Makes the data directory private, whatever the umask was when its files were made: the directory
 * itself and its `merchants/` and `documents/` directories 0700 (and the merchant folders of
 * `documents/`), the database files in it, the merchant key files and the B2B documents 0600
 * (master.key is checked, not fixed: loadMasterKey refuses a key file others could read). Run at
 * start-up; directories above the data directory are never touched. Nothing to do when it does not
 * exist (a PostgreSQL database and UMF_MASTER_KEY need none).
 */
export function securePrivateFiles(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  chmodSync(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    if (DATABASE_FILE.test(name)) chmodIfFile(join(dataDir, name), 0o600);
  }
  const merchants = join(dataDir, 'merchants');
  if (existsSync(merchants) && statSync(merchants).isDirectory()) {
    chmodSync(merchants, 0o700);
    for (const name of readdirSync(merchants)) chmodIfFile(join(merchants, name), 0o600);
  }
  // B2B documents: documents/<merchant>/<file>.zip
  const documents = join(dataDir, 'documents');
  if (existsSync(documents) && statSync(documents).isDirectory()) {
    chmodSync(documents, 0o700);
    for (const merchant of readdirSync(documents)) {
      const folder = join(documents, merchant);
      if (!statSync(folder).isDirectory()) continue;
      chmodSync(folder, 0o700);
      for (const name of readdirSync(folder)) chmodIfFile(join(folder, name), 0o600);
    }
  }
}

function chmodIfFile(path: string, mode: number): void {
  try {
    if (statSync(path).isFile()) chmodSync(path, mode);
  } catch (error) {
    // Deleted meanwhile (a -wal file at a checkpoint): nothing to protect.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
