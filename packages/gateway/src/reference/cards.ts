/** Card number rules that hold for every bank: Luhn, masking, expiry dates, PRC citizen ids. */

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i--) {
    let digit = number.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

export function last4(number: string): string {
  return number.slice(-4);
}

/** Masks a card number for display: only the last four digits are kept. */
export function maskPan(number: string): string {
  return '*'.repeat(Math.max(0, number.length - 4)) + last4(number);
}

/**
 * Parses a card expiry as Chinese banks print it (YYMM), also accepting MMYY with a slash
 * ("12/29") and YYYYMM. Returns the first day after the expiry month (UTC) or undefined.
 */
export function expiryEnd(validDate: string): number | undefined {
  const text = validDate.trim();
  let year: number;
  let month: number;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{2})\/(\d{2})$/.exec(text))) {
    month = Number(m[1]);
    year = 2000 + Number(m[2]);
  } else if ((m = /^(\d{4})(\d{2})$/.exec(text))) {
    year = Number(m[1]);
    month = Number(m[2]);
  } else if ((m = /^(\d{2})(\d{2})$/.exec(text))) {
    year = 2000 + Number(m[1]);
    month = Number(m[2]);
  } else {
    return undefined;
  }
  if (month < 1 || month > 12) return undefined;
  return Date.UTC(year, month, 1);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 check of an 18-character PRC resident identity card number. */
export function citizenIdValid(id: string): boolean {
  const text = id.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(text)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (text.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === text[17];
}

/** Mainland mobile numbers: 11 digits starting with 1 (a +86 / 86 prefix is accepted). */
export function normalisePhone(phone: string): string | undefined {
  const digits = phone
    .trim()
    .replace(/[\s-]/g, '')
    .replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1\d{10}$/.test(digits) ? digits : undefined;
}
