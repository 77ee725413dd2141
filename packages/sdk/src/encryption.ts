// RSA field encryption of sensitive request fields with the platform certificate's public key.
import { constants, publicEncrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { BankCardInput, CardDetails, PayerInfoInput } from './types.ts';

/**
 * 'oaep': RSA-OAEP with SHA-256 (MGF1-SHA-256). The default, and the safe choice.
 * 'pkcs1': RSA PKCS#1 v1.5 encryption, what Java's `Cipher.getInstance("RSA")` does; only for merchants the
 * platform has configured for it.
 */
export type EncryptionMode = 'oaep' | 'pkcs1';

export const ENCRYPTION_MODES: readonly EncryptionMode[] = Object.freeze(['oaep', 'pkcs1']);

/** Field names encrypted wherever they appear in a payer_info sub-object (bank_card, qr_code_scan, ...). */
export const SENSITIVE_FIELDS: readonly string[] = Object.freeze([
  'number',
  'cvv2',
  'valid_date',
  'citizen_id_number',
  'payer_name',
]);

export function assertEncryptionMode(mode: unknown): asserts mode is EncryptionMode {
  if (mode !== 'oaep' && mode !== 'pkcs1') {
    throw new TypeError(`encryption must be 'oaep' or 'pkcs1' (got ${JSON.stringify(mode)})`);
  }
}

/** Encrypts one field's UTF-8 bytes and returns base64. Errors never contain the plaintext. */
export function encryptField(plaintext: string, platformPublicKey: KeyObject, mode: EncryptionMode = 'oaep'): string {
  assertEncryptionMode(mode);
  if (typeof plaintext !== 'string') throw new TypeError('encrypted fields must be strings');
  const options =
    mode === 'oaep'
      ? { key: platformPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }
      : { key: platformPublicKey, padding: constants.RSA_PKCS1_PADDING };
  try {
    return publicEncrypt(options, Buffer.from(plaintext, 'utf8')).toString('base64');
  } catch (err) {
    throw new TypeError(
      `field encryption (${mode}) failed: the value is too long for the platform key or the key is unusable`,
      {
        cause: err,
      },
    );
  }
}

function encryptSensitive(obj: Record<string, unknown>, key: KeyObject, mode: EncryptionMode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(obj)) {
    out[name] =
      SENSITIVE_FIELDS.includes(name) && typeof value === 'string' && value !== ''
        ? encryptField(value, key, mode)
        : value;
  }
  return out;
}

/**
 * Returns a copy of a PLAINTEXT payer_info with the sensitive fields encrypted: `name`, and `number`,
 * `cvv2`, `valid_date`, `citizen_id_number`, `payer_name` inside any sub-object (bank_card, qr_code_scan,
 * wechat_in_app, ...). The payer_agreement and the phone number are sent in clear.
 */
export function encryptPayerInfo(
  payerInfo: PayerInfoInput | Record<string, unknown>,
  platformPublicKey: KeyObject,
  mode: EncryptionMode,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payerInfo)) {
    if (name === 'name' && typeof value === 'string' && value !== '') {
      out[name] = encryptField(value, platformPublicKey, mode);
    } else if (name !== 'payer_agreement' && value && typeof value === 'object' && !Array.isArray(value)) {
      out[name] = encryptSensitive(value as Record<string, unknown>, platformPublicKey, mode);
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** The wire bank_card (encrypted) for the SDK's camelCase plaintext card details. */
export function encryptCard(
  card: CardDetails,
  platformPublicKey: KeyObject,
  mode: EncryptionMode,
): Record<string, string> {
  for (const field of ['number', 'holderName', 'citizenIdNumber', 'phone'] as const) {
    if (typeof card[field] !== 'string' || card[field].trim() === '') {
      throw new TypeError(`card.${field} is required`);
    }
  }
  const plain: BankCardInput = {
    number: card.number.replace(/\s+/g, ''),
    ...(card.validDate !== undefined ? { valid_date: card.validDate } : {}),
    ...(card.cvv2 !== undefined ? { cvv2: card.cvv2 } : {}),
    payer_name: card.holderName,
    citizen_id_type: card.citizenIdType ?? 'IDENTITY_CARD',
    citizen_id_number: card.citizenIdNumber,
    phone: card.phone,
  };
  return encryptSensitive(plain as Record<string, unknown>, platformPublicKey, mode) as Record<string, string>;
}
