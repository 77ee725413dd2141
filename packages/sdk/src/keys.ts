// Loading the merchant private key and the platform certificate ONCE into KeyObjects.
import { KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';

/** Merchant private key: PKCS#8 DER (the `.key.p8` file as a Buffer), PEM (string or Buffer), or a KeyObject. */
export type PrivateKeyInput = KeyObject | string | Uint8Array;

/** Platform certificate: X.509 PEM or DER (`.crt`), an X509Certificate, or a public KeyObject / SPKI PEM. */
export type CertificateInput = X509Certificate | KeyObject | string | Uint8Array;

const PEM_MARKER = '-----BEGIN';

function isPem(input: string | Uint8Array): boolean {
  if (typeof input === 'string') return input.includes(PEM_MARKER);
  return Buffer.from(input.buffer, input.byteOffset, Math.min(input.byteLength, 64))
    .toString('latin1')
    .includes(PEM_MARKER);
}

function notAFilePath(what: string): TypeError {
  return new TypeError(
    `${what} must be the key material itself (PEM text, or a Buffer with DER/PEM bytes), not a file path: ` +
      'pass fs.readFileSync(path).',
  );
}

/**
 * Parses the merchant's RSA private key (PKCS#8 DER, PKCS#1 DER, or PEM). Error messages never contain key
 * material.
 */
export function loadPrivateKey(input: PrivateKeyInput): KeyObject {
  let key: KeyObject;
  if (input instanceof KeyObject) {
    key = input;
  } else if (typeof input === 'string' || input instanceof Uint8Array) {
    if (typeof input === 'string' && !isPem(input)) throw notAFilePath('merchantPrivateKey');
    try {
      if (isPem(input)) {
        key = createPrivateKey({ key: typeof input === 'string' ? input : Buffer.from(input), format: 'pem' });
      } else {
        const der = Buffer.from(input);
        try {
          key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
        } catch {
          key = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
        }
      }
    } catch (err) {
      throw new TypeError(
        'merchantPrivateKey could not be parsed: ' +
          'expected an unencrypted RSA private key as PKCS#8 DER (.key.p8) or PEM',
        { cause: err },
      );
    }
  } else {
    throw new TypeError('merchantPrivateKey must be a Buffer, a string or a KeyObject');
  }
  if (key.type !== 'private') throw new TypeError('merchantPrivateKey must be a PRIVATE key');
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`merchantPrivateKey must be an RSA key (got ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  return key;
}

/** Extracts the platform's RSA public key from its certificate (PEM or DER), or accepts a public key directly. */
export function loadPublicKey(input: CertificateInput, what = 'platformCertificate'): KeyObject {
  let key: KeyObject;
  if (input instanceof X509Certificate) {
    key = input.publicKey;
  } else if (input instanceof KeyObject) {
    key = input.type === 'private' ? createPublicKey(input) : input;
  } else if (typeof input === 'string' || input instanceof Uint8Array) {
    if (typeof input === 'string' && !isPem(input)) throw notAFilePath(what);
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
    const pemText = isPem(bytes) ? bytes.toString('utf8') : undefined;
    try {
      if (pemText !== undefined && !pemText.includes('CERTIFICATE')) {
        key = createPublicKey({ key: pemText, format: 'pem' });
      } else {
        try {
          key = new X509Certificate(bytes).publicKey;
        } catch (certErr) {
          if (pemText !== undefined) throw certErr;
          key = createPublicKey({ key: bytes, format: 'der', type: 'spki' });
        }
      }
    } catch (err) {
      throw new TypeError(`${what} could not be parsed: expected an X.509 certificate (.crt) as PEM or DER`, {
        cause: err,
      });
    }
  } else {
    throw new TypeError(`${what} must be a Buffer, a string, an X509Certificate or a KeyObject`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`${what} must hold an RSA public key (got ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  return key;
}
