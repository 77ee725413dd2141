/**
 * Schemas every part of the API shares: the `meta` of every answer, the error answer, links, amounts,
 * exchange rates, pagination, the report query parameters, and the helpers the aggregate schema files
 * (payments/payment-schemas.ts, refunds/refund-schemas.ts...) build with.
 *
 * Request schemas describe a body AFTER key normalisation (http/request-json.ts: keys trimmed,
 * camelCase folded to snake_case, aliases such as item_quantity -> quantity) and after
 * http/body-normaliser.ts (strings trimmed, JSON numbers turned into the strings the schema expects,
 * blank members removed, enum values upper-cased). Unknown fields are always allowed. Where today's
 * code answers a specific return code for a field, the node says which with `x-umf-code` (a key of
 * RET in errors/catalogue.ts; a string for every failure of the node, or a map from Ajv keyword to key),
 * and `x-umf-format` gives the wording of a value that has the wrong form (http/schema-errors.ts).
 */
import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';
import { RET, type RetName } from '../errors/catalogue.ts';
import { CURRENCIES } from '../money/currencies.ts';
import { refTo, shared } from './schema-registry.ts';

// ---- helpers ------------------------------------------------------------------------------------

/** `x-umf-code`: a RET key for every failure of the node, or one per Ajv keyword (`required`, `enum`...). */
export type UmfCode = RetName | Partial<Record<string, RetName>>;

/** A string that is one of `values` (`{ type: 'string', enum }`), typed as their union. */
export function stringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * A field today's code reads leniently (a value of another type counts as absent, or it is read only
 * when another field is absent): described, never constrained, so the schema refuses nothing more.
 */
export function lenient(description: string, examples?: readonly unknown[]): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ description, ...(examples ? { examples: [...examples] } : {}) });
}

/** Answers that are JSON objects: `meta` first, then the result members (all required). */
export function answer<P extends Record<string, TSchema>>(
  id: string,
  description: string,
  properties: P,
  examples?: readonly unknown[],
) {
  return shared(
    Type.Object(
      { meta: refTo(Meta), ...properties },
      { $id: id, description, ...(examples ? { examples: [...examples] } : {}) },
    ),
  );
}

// ---- patterns -----------------------------------------------------------------------------------

/** A decimal amount as merchants write it: up to 15 digits, up to 8 decimals (money/decimal.ts). */
export const DECIMAL_PATTERN = '^\\d{1,15}(\\.\\d{1,8})?$';
/** An amount of zero, in any spelling (`0`, `0.00`, `000.0`). */
export const ZERO_PATTERN = '^0+(\\.0+)?$';
/** A merchant's reference (order number, refund number): letters, digits, `_`, `-`, `.`. */
export const REFERENCE_PATTERN = '^[A-Za-z0-9_.-]+$';
/** A date written YYYYMMDD (whether it exists in the calendar is checked in code). */
export const DATE_PATTERN = '^\\d{8}$';
/** A decimal as the gateway writes it. */
const DECIMAL_OUT = '^\\d+(\\.\\d+)?$';
/** A time as the gateway writes it: China time with its offset. */
export const CHINA_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00$';

/** The case-insensitive regular expression source of a word (`usd` -> `[Uu][Ss][Dd]`). */
export function caseless(word: string): string {
  return [...word]
    .map((c) => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c))
    .join('');
}

// ---- the envelope -------------------------------------------------------------------------------

export const Meta = shared(
  Type.Object(
    {
      ret_code: Type.String({
        pattern: '^\\d{4}(\\d{4})?$',
        description: 'The return code: `0000` on success, else a code of docs/errors.md.',
        examples: ['0000', '00060700'],
      }),
      ret_msg: Type.String({
        description:
          'The message of the code, sometimes followed by `: ` and a detail naming the offending field. ' +
          'It never contains a raw `{` or `}` (they are written `\\u007b`, `\\u007d`).',
        examples: ['Successful', 'Data validation failure: order.amount.total is required'],
      }),
      sign: Type.String({
        description:
          'Base64 SHA256withRSA signature, with the platform key, over the body without `meta`: ' +
          '`"{" + body[end + 2 ..]` where `end` is the first `}` after `"meta":{` (`{}` when meta is alone).',
      }),
    },
    {
      $id: 'Meta',
      description: 'The common part of every JSON answer (objs.md `meta`); always the first member.',
    },
  ),
);
export type Meta = Static<typeof Meta>;

/** `{ret_code, ret_msg}`: the outcome repeated in an error answer, or why a payment/refund/declaration failed. */
export const RetError = shared(
  Type.Object(
    {
      ret_code: Type.String({ pattern: '^\\d{8}$', examples: ['00060700'] }),
      ret_msg: Type.String({ examples: ['Data validation failure: order.amount.total is required'] }),
    },
    { $id: 'RetError', description: 'A return code and its message (docs/errors.md).' },
  ),
);
export type RetError = Static<typeof RetError>;

export const ErrorAnswer = shared(
  Type.Object(
    { meta: refTo(Meta), error: refTo(RetError) },
    {
      $id: 'ErrorAnswer',
      description:
        'An error: `meta.ret_code` is the return code (docs/errors.md), repeated with its message in the ' +
        'signed `error` member so that an error answer cannot be swapped for another.',
      examples: [
        {
          meta: {
            ret_code: '00202001',
            ret_msg: 'The foreign currency amount of order must not be blank',
            sign: '...',
          },
          error: { ret_code: '00202001', ret_msg: 'The foreign currency amount of order must not be blank' },
        },
      ],
    },
  ),
);
export type ErrorAnswer = Static<typeof ErrorAnswer>;

/** The error statuses of every route: a signed UMF error answer. */
export const ERROR_RESPONSES = {
  '4XX': refTo(ErrorAnswer, { description: 'A request the platform refuses: a signed error answer.' }),
  '5XX': refTo(ErrorAnswer, { description: 'System error (00060999): a signed error answer.' }),
} as const;

/** The security requirement of every route but the token endpoint. */
export const BEARER: Array<Record<string, string[]>> = [{ bearerAuth: [] }];

// ---- links --------------------------------------------------------------------------------------

/** Where the examples of the schemas point: a gateway started as the README says. */
export const EXAMPLE_API = 'http://127.0.0.1:8080/cberest/v1';

export const Link = shared(
  Type.Object(
    {
      ref: Type.String({ description: 'What the link is: `self`, `sms_verify`, `confirm`, `refund`, `upay`...' }),
      rel: Type.String({ description: 'The same as `ref` (objs.md names it `rel`).' }),
      method: stringEnum(['GET', 'POST'] as const, { description: 'The HTTP method of the link.' }),
      href: Type.String({ description: 'The absolute URL.' }),
    },
    {
      $id: 'Link',
      description:
        'A HATEOAS link (objs.md `link`): the object itself or the next available step. Clients read some ' +
        'by position: keep the order.',
      examples: [
        {
          ref: 'sms_verify',
          rel: 'sms_verify',
          method: 'POST',
          href: `${EXAMPLE_API}/payments/payment/PAY_5ZQ2XW7T3KJ9A/verify`,
        },
      ],
    },
  ),
);
export type Link = Static<typeof Link>;

export const Links = Type.Array(refTo(Link), { description: 'Links, in the reference order.' });

/** A link of a schema's example: `exampleLink('self', 'GET', '/payments/payment/PAY_...')`. */
export function exampleLink(rel: string, method: 'GET' | 'POST', path: string): Link {
  return { ref: rel, rel, method, href: `${EXAMPLE_API}${path}` };
}

// ---- amounts ------------------------------------------------------------------------------------

export const CURRENCY_CODES = CURRENCIES;

/** An amount as the gateway writes it: decimal strings with the currency's digits. */
export const Amount = shared(
  Type.Object(
    {
      total: Type.String({ pattern: DECIMAL_OUT, description: 'With the currency\'s digits ("100.02", JPY "1000").' }),
      currency: stringEnum(CURRENCIES, { description: 'ISO 4217 code.' }),
    },
    {
      $id: 'Amount',
      description: 'An amount in the order currency (objs.md `amount`).',
      examples: [{ total: '50.02', currency: 'USD' }],
    },
  ),
);
export type Amount = Static<typeof Amount>;

export const ExchangeRate = shared(
  Type.Object(
    {
      currency: stringEnum(CURRENCIES, { description: 'The order currency.' }),
      rate: Type.String({ pattern: DECIMAL_OUT, description: 'CNY per one unit of `currency`.', examples: ['7.1234'] }),
    },
    { $id: 'ExchangeRate', description: 'An exchange rate (objs.md `exchange_rate`).' },
  ),
);
export type ExchangeRate = Static<typeof ExchangeRate>;

/** A payment's or refund's amount: the order currency, the CNY the payer pays, and the locked rate. */
export const OrderAmount = shared(
  Type.Object(
    {
      total: Type.String({ pattern: DECIMAL_OUT, description: 'In the order currency, with its digits.' }),
      currency: stringEnum(CURRENCIES, { description: 'The order currency.' }),
      total_cny: Type.String({
        pattern: DECIMAL_OUT,
        description: '`total` x `exchange_rate.rate`, rounded half up to the fen: what the payer pays (or gets back).',
      }),
      exchange_rate: refTo(ExchangeRate, { description: 'The rate locked when the payment was created.' }),
    },
    {
      $id: 'OrderAmount',
      description: "An order amount with its CNY equivalent at the payment's locked rate.",
      examples: [
        { total: '100.02', currency: 'USD', total_cny: '712.48', exchange_rate: { rate: '7.1234', currency: 'USD' } },
      ],
    },
  ),
);
export type OrderAmount = Static<typeof OrderAmount>;

/** The amount of a payment or refund summary: every member a string. */
export const SummaryAmount = shared(
  Type.Object(
    {
      total: Type.String({ pattern: DECIMAL_OUT, description: 'In the order currency, with its digits.' }),
      total_cny: Type.String({ pattern: DECIMAL_OUT, description: 'CNY, two decimals.' }),
      currency: stringEnum(CURRENCIES),
      exchange_rate: Type.String({ pattern: DECIMAL_OUT, description: 'CNY per one unit of `currency`.' }),
    },
    {
      $id: 'SummaryAmount',
      description: 'The amount of a summary (objs.md payment_summary / refund_summary), as strings.',
      examples: [{ total: '100.02', total_cny: '712.48', currency: 'USD', exchange_rate: '7.1234' }],
    },
  ),
);
export type SummaryAmount = Static<typeof SummaryAmount>;

export const Pagination = shared(
  Type.Object(
    {
      total_count: Type.Integer({ minimum: 0, description: 'How many items the whole list has.' }),
      page_number: Type.Integer({ minimum: 1, description: 'This page (starts at 1).' }),
      page_size: Type.Integer({ minimum: 1, description: 'The largest number of items of a page.' }),
    },
    {
      $id: 'Pagination',
      description: 'Where a page is in its list (objs.md `pagination`).',
      examples: [{ total_count: 3, page_number: 1, page_size: 500 }],
    },
  ),
);
export type Pagination = Static<typeof Pagination>;

// ---- request pieces -----------------------------------------------------------------------------

/** An http(s) URL of the merchant (checked in code: an absolute http or https URL). */
export function urlField(description: string): TUnsafe<string> {
  return Type.Unsafe<string>({
    type: 'string',
    maxLength: 512,
    description: `${description} An absolute http(s) URL.`,
    examples: ['https://shop.example/umf/notify'],
  });
}

/** A merchant's reference: 1-64 of letters, digits, `_`, `-`, `.`. */
export function referenceField(description: string, examples: readonly string[]): TUnsafe<string> {
  return Type.Unsafe<string>({
    type: 'string',
    maxLength: 64,
    pattern: REFERENCE_PATTERN,
    description: `${description} At most 64 of letters, digits, \`_\`, \`-\`, \`.\`.`,
    examples: [...examples],
  });
}

/** A date YYYYMMDD (that it exists in the calendar, and how far from today, is checked in code). */
export function dateField(description: string, examples: readonly string[]): TUnsafe<string> {
  return Type.Unsafe<string>({
    type: 'string',
    pattern: DATE_PATTERN,
    'x-umf-format': 'must be a date written YYYYMMDD',
    description: `${description} YYYYMMDD.`,
    examples: [...examples],
  });
}

// ---- report query parameters ----------------------------------------------------------------------

/**
 * A date query parameter (`mer_date=YYYYMMDD`; a real date of years 2000-2999: checked in code). Blank
 * counts as absent, as in http/report-query.ts.
 */
export function dateQuery(description: string): TUnsafe<string> {
  return Type.Unsafe<string>({
    type: 'string',
    pattern: '^\\s*(2\\d{7})?\\s*$',
    'x-umf-format': 'must be a date written YYYYMMDD',
    description: `${description} YYYYMMDD.`,
    examples: ['20260301'],
  });
}

/** `page_number` / `page_size`: whole numbers from 1 (their upper bounds are checked in code). */
export function pageQuery(description: string): TUnsafe<string> {
  return Type.Unsafe<string>({
    type: 'string',
    pattern: '^\\s*(\\d{1,9})?\\s*$',
    'x-umf-format': 'must be a whole number from 1',
    description,
  });
}

/** A signed text file (the download routes): the Fastify `response` entry. */
export function signedFileResponse(description: string) {
  return {
    description,
    headers: {
      signature: Type.String({
        description:
          'Base64 SHA256withRSA over the exact bytes of the body, with the platform key: verify it with the platform ' +
          'certificate before using the file.',
      }),
      'content-disposition': Type.String({ description: '`attachment; filename="..."`.' }),
    },
    content: { 'text/plain': { schema: Type.String({ description }) } },
  };
}

/** The path parameter of a route on one object. */
export function idParams(description: string, example: string) {
  return Type.Object({ id: Type.String({ description, examples: [example] }) });
}

/** Markdown of the return codes a node may answer, for descriptions. */
export function codes(...names: RetName[]): string {
  return names.map((n) => `\`${RET[n].code}\` ${RET[n].message}`).join('; ');
}
