/**
 * Decryption of merchant-encrypted card fields (card number, CVV2, expiry,
 * card holder name, citizen id).
 *
 * Merchants encrypt each field with the platform RSA public key and send the
 * ciphertext base64-encoded. Two paddings are supported, chosen per merchant:
 *
 * - `oaep`  RSAES-OAEP, SHA-256 label hash and MGF1-SHA-256 (the default).
 *           NB for Java merchants: `Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding")`
 *           uses MGF1-SHA-1 unless an explicit
 *           `OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT)`
 *           is passed; such ciphertexts will not decrypt here.
 * - `pkcs1` RSAES-PKCS1-v1_5 (what Java's `Cipher.getInstance("RSA")` produces).
 *
 * Node 20 refuses `privateDecrypt` with `RSA_PKCS1_PADDING` (CVE-2023-46809,
 * the Marvin attack) because its bundled OpenSSL 3.0 has no implicit
 * rejection. We therefore perform the raw RSA operation ourselves
 * (`RSA_NO_PADDING`, which Node still allows) and implement the padding check
 * with IMPLICIT REJECTION as specified in draft-irtf-cfrg-rsa-guidance
 * ("Implicit rejection for RSA PKCS#1 v1.5 decryption", H. Kario), which is the
 * algorithm OpenSSL >= 3.2 uses by default. Our output is byte-for-byte the
 * output of OpenSSL 3.2+ for the same key and ciphertext (checked against the
 * draft's / OpenSSL's published test vectors in the test file), except that
 * for a ciphertext C >= n OpenSSL returns an error where we return the
 * synthetic message:
 *
 *   D   = SHA-256(d as big-endian bytes, left-padded to k)
 *   KDK = HMAC-SHA256(key = D, msg = C left-padded to k)
 *   PRF(label, bits) = HMAC-SHA256(KDK, be16(i) || label || be16(bits)), i = 0, 1, ...
 *   synthetic message  = PRF("message", 8k)            (k bytes)
 *   candidate lengths  = PRF("length", 128 * 16)       (128 big-endian u16)
 *   synthetic length   = last candidate (masked with the all-ones mask covering
 *                        k - 10) that is < k - 10, i.e. <= k - 11; else 0
 *   synthetic output   = the LAST `synthetic length` bytes of the synthetic message
 *
 * If the decrypted block EM is not `00 02 PS(>= 8 non-zero bytes) 00 M`, the
 * caller receives the synthetic output instead of an error. It is a
 * deterministic function of (key, ciphertext), so an attacker who submits the
 * same ciphertext twice sees the same answer, and it is indistinguishable from
 * a real plaintext that happens to be garbage: the field then fails ordinary
 * validation (Luhn check, expiry format, ...) exactly like a wrong card.
 *
 * Side channels - what this code does and does not do:
 * - No branch, early exit, exception or table lookup depends on EM (the secret).
 *   Every byte of EM is scanned; flags are combined with bitwise masks; the
 *   message index and every output byte are chosen with mask selects; the
 *   synthetic message is always computed (same HMAC count for valid and
 *   invalid paddings).
 * - The returned length is secret-dependent but does not reveal validity (the
 *   synthetic length is pseudo-random), and the final copy length only depends
 *   on it.
 * - Branches exist only on public data: ciphertext length, base64 validity,
 *   and whether C >= n (anyone holding the public key can compute these).
 * - JavaScript is NOT a constant-time environment. The JIT may compile the
 *   mask arithmetic to branches, Smi/heap-number representation changes and
 *   GC pauses add noise, Buffer allocations touch the allocator, and the raw
 *   RSA operation and HMACs run in OpenSSL (blinded, constant-time there).
 *   This is a best-effort mitigation; its main protection is implicit
 *   rejection itself (no error oracle), not the timing. See
 *   bench/pkcs1-timing.ts for a coarse valid/invalid timing comparison.
 *
 * Errors: `FieldDecryptionError` always carries the same generic message and no
 * `cause`. In `oaep` mode any failure (bad padding, wrong key, wrong length)
 * becomes that error. In `pkcs1` mode it is only thrown for publicly invalid
 * input (bad base64, empty ciphertext, ciphertext longer than the modulus);
 * a bad padding or a wrong key NEVER throws.
 */
import { constants, createHash, createHmac, createSecretKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type FieldEncryption = 'oaep' | 'pkcs1';

const GENERIC_MESSAGE = 'field decryption failed';

/** Generic failure. Never carries library (OpenSSL) details or a cause. */
export class FieldDecryptionError extends Error {
  constructor(message: string = GENERIC_MESSAGE) {
    super(message);
    this.name = 'FieldDecryptionError';
  }
}

/** Number of 16-bit candidates drawn for the synthetic length (as in OpenSSL). */
const LENGTH_CANDIDATES = 128;
const SHA256_LEN = 32;

// ---------------------------------------------------------------------------
// Mask helpers. Masks are int32: -1 (all ones) for "true", 0 for "false".
// Inputs are small non-negative integers (< 2^30), so the subtractions below
// never overflow the int32 range.
// ---------------------------------------------------------------------------

/** -1 if x === 0 else 0, for 0 <= x < 2^30. */
function ctIsZero(x: number): number {
  return (x - 1) >> 31;
}

/** -1 if a === b else 0, for 0 <= a, b < 2^30. */
function ctEq(a: number, b: number): number {
  return ctIsZero(a ^ b);
}

/** -1 if a < b else 0, for 0 <= a, b < 2^30. */
function ctLt(a: number, b: number): number {
  return (a - b) >> 31;
}

/** -1 if a >= b else 0, for 0 <= a, b < 2^30. */
function ctGe(a: number, b: number): number {
  return ~ctLt(a, b);
}

/** mask ? a : b without a branch (mask is -1 or 0; a, b non-negative). */
function ctSelect(mask: number, a: number, b: number): number {
  return (a & mask) | (b & ~mask);
}

/** The draft's PRF: HMAC-SHA256(kdk, be16(i) || label || be16(bitLength)) concatenated, truncated. */
function prf(kdk: Buffer, label: string, outLength: number): Buffer {
  const bitLength = outLength * 8;
  const labelBytes = Buffer.from(label, 'latin1');
  const header = Buffer.alloc(2 + labelBytes.length + 2);
  labelBytes.copy(header, 2);
  header.writeUInt16BE(bitLength, 2 + labelBytes.length);
  const blocks = Math.ceil(outLength / SHA256_LEN);
  const out = Buffer.alloc(blocks * SHA256_LEN);
  for (let i = 0; i < blocks; i++) {
    header.writeUInt16BE(i, 0);
    createHmac('sha256', kdk)
      .update(header)
      .digest()
      .copy(out, i * SHA256_LEN);
  }
  const result = Buffer.from(out.subarray(0, outLength));
  out.fill(0);
  return result;
}

function leftPad(bytes: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  bytes.copy(out, length - bytes.length);
  return out;
}

/** Strict standard base64 (padding optional); anything else is a generic failure. */
function decodeBase64(text: string): Buffer {
  const trimmed = text.trim();
  if (trimmed.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new FieldDecryptionError();
  }
  const bytes = Buffer.from(trimmed, 'base64');
  // Reject non-canonical encodings (stray bits, bad padding length).
  if (bytes.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, '')) {
    throw new FieldDecryptionError();
  }
  return bytes;
}

/** Prepared once per platform key: holds the KeyObject and the precomputed SHA-256 of d. */
export class FieldDecryptor {
  readonly #key: KeyObject;
  /** Modulus length in bytes. */
  readonly #k: number;
  /** Modulus n, big-endian, k bytes (public; used for the public "c >= n" check). */
  readonly #n: Buffer;
  /** SHA-256(d), the HMAC key for the KDK, kept as a secret KeyObject. */
  readonly #dHash: KeyObject;
  /** Largest valid message length + 1 (= k - 10): candidates must be strictly below it. */
  readonly #maxSepOffset: number;
  /** All-ones mask covering #maxSepOffset. */
  readonly #lengthMask: number;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
      throw new TypeError('FieldDecryptor requires an RSA private KeyObject');
    }
    const bits = privateKey.asymmetricKeyDetails?.modulusLength;
    const jwk = privateKey.export({ format: 'jwk' });
    if (bits === undefined || typeof jwk.d !== 'string' || typeof jwk.n !== 'string') {
      throw new TypeError('FieldDecryptor: cannot read the RSA private key parameters');
    }
    const k = Math.ceil(bits / 8);
    // k >= 11 for PKCS#1 v1.5; 8k must fit the PRF's 16-bit length field.
    if (k < 11 || k * 8 > 0xffff) {
      throw new TypeError(`FieldDecryptor: unsupported RSA modulus length ${bits}`);
    }
    this.#key = privateKey;
    this.#k = k;
    this.#n = leftPad(Buffer.from(jwk.n, 'base64url'), k);
    const d = leftPad(Buffer.from(jwk.d, 'base64url'), k);
    const dHash = createHash('sha256').update(d).digest();
    d.fill(0);
    this.#dHash = createSecretKey(dHash);
    dHash.fill(0);

    this.#maxSepOffset = k - 2 - 8;
    let mask = this.#maxSepOffset;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    this.#lengthMask = mask;
  }

  /** Decrypts one base64 field; returns the UTF-8 plaintext. */
  decrypt(base64Ciphertext: string, mode: FieldEncryption): string {
    // Buffer#toString('utf8') never throws: invalid sequences (e.g. in a
    // synthetic message) become U+FFFD and simply fail field validation.
    return this.decryptBytes(decodeBase64(base64Ciphertext), mode).toString('utf8');
  }

  /** Same, returning raw bytes. */
  decryptBytes(ciphertext: Buffer, mode: FieldEncryption): Buffer {
    switch (mode) {
      case 'oaep':
        return this.#decryptOaep(ciphertext);
      case 'pkcs1':
        return this.#decryptPkcs1(ciphertext);
      default: {
        const unknown: never = mode;
        throw new TypeError(`unsupported field encryption mode: ${String(unknown)}`);
      }
    }
  }

  #decryptOaep(ciphertext: Buffer): Buffer {
    try {
      return privateDecrypt(
        { key: this.#key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        ciphertext,
      );
    } catch {
      // Deliberately drop the OpenSSL error: no message, no cause.
      throw new FieldDecryptionError();
    }
  }

  /** RSAES-PKCS1-v1_5 decryption with implicit rejection (see the file comment). */
  #decryptPkcs1(ciphertext: Buffer): Buffer {
    const k = this.#k;
    // Public check: the length of the ciphertext is known to everyone.
    if (ciphertext.length === 0 || ciphertext.length > k) {
      throw new FieldDecryptionError();
    }
    const c = leftPad(ciphertext, k);

    // Synthetic message, always computed.
    const kdk = createHmac('sha256', this.#dHash).update(c).digest();
    const synthetic = prf(kdk, 'message', k);
    const candidates = prf(kdk, 'length', LENGTH_CANDIDATES * 2);
    kdk.fill(0);
    let syntheticLength = 0;
    for (let i = 0; i < LENGTH_CANDIDATES * 2; i += 2) {
      const candidate = ((candidates[i]! << 8) | candidates[i + 1]!) & this.#lengthMask;
      syntheticLength = ctSelect(ctLt(candidate, this.#maxSepOffset), candidate, syntheticLength);
    }
    candidates.fill(0);
    const syntheticIndex = k - syntheticLength;

    // Raw RSA. C >= n is public knowledge; such a ciphertext gets an all-zero
    // EM, which fails the padding check below -> synthetic output, so every
    // input of acceptable length yields a deterministic result.
    const em = Buffer.alloc(k);
    if (Buffer.compare(c, this.#n) < 0) {
      try {
        const raw = privateDecrypt({ key: this.#key, padding: constants.RSA_NO_PADDING }, c);
        // OpenSSL returns exactly k bytes for RSA_NO_PADDING; left-align defensively.
        if (raw.length <= k) raw.copy(em, k - raw.length);
        raw.fill(0);
      } catch {
        // Not expected for 0 <= c < n; fall through to the synthetic message.
      }
    }

    // Padding check without secret-dependent branches: scan every byte.
    let good = ctIsZero(em[0]!) & ctEq(em[1]!, 2);
    let foundZero = 0;
    let zeroIndex = 0;
    for (let i = 2; i < k; i++) {
      const isZero = ctIsZero(em[i]!);
      zeroIndex = ctSelect(~foundZero & isZero, i, zeroIndex);
      foundZero |= isZero;
    }
    // PS must be at least 8 bytes: the separator sits at index >= 10. If no
    // zero byte was found, zeroIndex is 0 and this fails too.
    good &= ctGe(zeroIndex, 2 + 8);
    const messageIndex = ctSelect(good, zeroIndex + 1, syntheticIndex);

    // Build the full-length selection (same work whatever `good` is), then cut.
    const selected = Buffer.alloc(k);
    for (let i = 0; i < k; i++) {
      selected[i] = (em[i]! & good) | (synthetic[i]! & ~good);
    }
    const result = Buffer.from(selected.subarray(messageIndex));
    selected.fill(0);
    em.fill(0);
    synthetic.fill(0);
    return result;
  }
}

/** Merchant-side helper used by tests and the SDK: encrypt with the platform public key. */
export function encryptField(publicKey: KeyObject, plaintext: string, mode: FieldEncryption): string {
  const data = Buffer.from(plaintext, 'utf8');
  switch (mode) {
    case 'oaep':
      return publicEncrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        data,
      ).toString('base64');
    case 'pkcs1':
      return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, data).toString('base64');
    default: {
      const unknown: never = mode;
      throw new TypeError(`unsupported field encryption mode: ${String(unknown)}`);
    }
  }
}
