/**
 * Validation of a company registration (POST /enterprise_qualification, reference 4.1, objs.md
 * `enterprise_qualification`) into an EnterpriseDraft:
 *
 *   {"enterprise_qualification":{"external_enterprise_id":"10000125","enterprise_name":"华西电子商务有限公司",
 *    "enterprise_phone":"13241359611","enterprise_email":"fengjian@umpay.com","enterprise_contacts":"FengJian1",
 *    "busi_type":"GFHG","enterprise_code":"90000331"}}
 *
 * The members may also come unwrapped. Keys are already normalised (http/request-json.ts), unknown
 * fields are ignored. Rules, each naming the field in the message (00060700 unless said):
 * - `external_enterprise_id` (the company's id in the merchant's system) is required: at most 64 of
 *   letters, digits, `_`, `-`, `.`; unique per merchant (00060781, checked on insert);
 * - `enterprise_name` is required, at most 128 characters;
 * - `enterprise_phone`: at most 32 of digits, spaces, `+`, `-`, `(`, `)`, with 5 to 20 digits
 *   (00060720 for any fault): company numbers are landlines (`010-62345678`) as often as mobiles;
 * - `enterprise_email`: one `@` between a local part and a domain with a dot, at most 254 characters;
 * - `enterprise_contacts` (the contact person; objs.md's `enterprise_contact` is the same field: the
 *   answer always says `enterprise_contacts`, as the reference sample does): at most 64 characters;
 * - `busi_type`: SJHG (the company exchanges money to CNY) or GFHG (from CNY), any case;
 * - `enterprise_code`: the unified social credit code (GB 32100-2015). An 18-character code must be
 *   one: its characters from `0-9 A-H J-N P-R T U W-Y` and its 18th, the check character, right (a
 *   typing error is refused with the character expected). Codes of another length (at most 32 of
 *   letters, digits and `-`) are kept as they are for the operator's review: the registration numbers
 *   from before 2015 (the 15-digit business licence number, the 9-character organisation code) are
 *   still in merchants' systems, and the reference's own sample sends `90000331` (WIRE-NOTES: what real
 *   clients send wins). Lower case is accepted and stored in upper case.
 */
import { fail, isObject, str } from '../validation/request-fields.ts';

export const BUSI_TYPES = ['SJHG', 'GFHG'] as const;
export type BusiType = (typeof BUSI_TYPES)[number];

export const EXTERNAL_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const PHONE_PATTERN = /^[0-9+\-() ]+$/;
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
export const OTHER_CODE_PATTERN = /^[A-Za-z0-9-]+$/;

/** The 31 characters of a unified social credit code, in the order of their values (GB 32100-2015). */
export const USCC_CHARACTERS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** The weights of the first 17 characters: 3^(i) mod 31. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * The check character (18th) of a unified social credit code's first 17 characters, or undefined
 * when one of them is not a code character: 31 - (sum of value x weight mod 31), 31 written `0`.
 */
export function usccCheckCharacter(first17: string): string | undefined {
  if (first17.length !== 17) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARACTERS.indexOf(first17[i]!);
    if (value < 0) return undefined;
    sum += value * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARACTERS[(31 - (sum % 31)) % 31];
}

/** Whether `code` is a unified social credit code with the right check character. */
export function isUscc(code: string): boolean {
  return code.length === 18 && usccCheckCharacter(code.slice(0, 17)) === code[17];
}

export interface EnterpriseDraft {
  readonly externalEnterpriseId: string;
  readonly enterpriseName: string;
  readonly enterprisePhone: string | undefined;
  readonly enterpriseEmail: string | undefined;
  readonly enterpriseContacts: string | undefined;
  readonly busiType: BusiType | undefined;
  readonly enterpriseCode: string | undefined;
}

function enterpriseCode(value: unknown, path: string): string | undefined {
  const text = str(value, path, { max: 32 })?.toUpperCase();
  if (text === undefined) return undefined;
  if (text.length !== 18) {
    if (!OTHER_CODE_PATTERN.test(text)) fail(path, 'may only hold letters, digits and "-"');
    return text;
  }
  const bad = [...text].findIndex((c) => !USCC_CHARACTERS.includes(c));
  if (bad >= 0)
    fail(
      path,
      `is not a unified social credit code: character ${bad + 1} (${JSON.stringify(text[bad])}) is not one of ` +
        '0-9 A-H J-N P-R T U W-Y',
    );
  const expected = usccCheckCharacter(text.slice(0, 17))!;
  if (expected !== text[17])
    fail(
      path,
      `is not a unified social credit code: its check character (the 18th) is ${text[17]}, the first 17 ` +
        `characters give ${expected}`,
    );
  return text;
}

function pattern(value: unknown, path: string, max: number, re: RegExp, problem: string): string | undefined {
  const text = str(value, path, { max });
  if (text !== undefined && !re.test(text)) fail(path, problem);
  return text;
}

function phone(value: unknown, path: string): string | undefined {
  if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number')
    fail(path, 'must be a string', 'phone_invalid');
  const text = value === undefined || value === null ? undefined : String(value).trim();
  if (text === undefined || text === '') return undefined;
  if (text.length > 32) fail(path, 'is longer than 32 characters', 'phone_invalid');
  if (!PHONE_PATTERN.test(text)) fail(path, 'may only hold digits, spaces, "+", "-", "(" and ")"', 'phone_invalid');
  const digits = text.replace(/\D/g, '').length;
  if (digits < 5 || digits > 20) fail(path, `has ${digits} digits: a phone number has 5 to 20`, 'phone_invalid');
  return text;
}

/** The registration's members: `{"enterprise_qualification":{...}}` (the reference) or the members themselves. */
export function parseEnterpriseRequest(body: Record<string, unknown>): EnterpriseDraft {
  const wrapped = isObject(body.enterprise_qualification);
  const input = wrapped ? (body.enterprise_qualification as Record<string, unknown>) : body;
  const at = (field: string) => (wrapped ? `enterprise_qualification.${field}` : field);

  const externalEnterpriseId = pattern(
    input.external_enterprise_id,
    at('external_enterprise_id'),
    64,
    EXTERNAL_ID_PATTERN,
    'may only hold letters, digits, "_", "-" and "."',
  );
  if (externalEnterpriseId === undefined) fail(at('external_enterprise_id'), 'is required');
  const enterpriseName = str(input.enterprise_name, at('enterprise_name'), { required: true, max: 128 })!;
  const contacts = input.enterprise_contacts ?? input.enterprise_contact;
  const contactsPath = at(input.enterprise_contacts === undefined ? 'enterprise_contact' : 'enterprise_contacts');
  const busiTypeText = str(input.busi_type, at('busi_type'), { max: 8 })?.toUpperCase();
  if (busiTypeText !== undefined && !(BUSI_TYPES as readonly string[]).includes(busiTypeText))
    fail(at('busi_type'), `must be one of ${BUSI_TYPES.join(', ')}`);
  return {
    externalEnterpriseId,
    enterpriseName,
    enterprisePhone: phone(input.enterprise_phone, at('enterprise_phone')),
    enterpriseEmail: pattern(
      input.enterprise_email,
      at('enterprise_email'),
      254,
      EMAIL_PATTERN,
      'must be an email address like name@example.com',
    ),
    enterpriseContacts: str(contacts, contactsPath, { max: 64 }),
    busiType: busiTypeText as BusiType | undefined,
    enterpriseCode: enterpriseCode(input.enterprise_code, at('enterprise_code')),
  };
}
