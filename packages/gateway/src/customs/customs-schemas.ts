/**
 * Schemas of the customs routes (reference 3.9-3.10, docs/customs.md): the declaration body as
 * customs-request.ts `parseCustomsRequest` accepts it (`{"customs_declaration":{...}}` wrapping it,
 * too), the declaration object as customs-view.ts renders it, the daily customs list download, and a
 * Fastify route schema per route. In code: amounts in the payment's currency or CNY and their
 * decimals, `total_cny` of a CNY amount equal to its total, the sub-order and items being the
 * payment's (`00202015`, `00202016`) and declarable (`00202014`), duplicate items, the month.
 */
import Type, { type Static } from 'typebox';
import { CURRENCIES } from '../money/currencies.ts';
import { CUSTOMS_OFFICES } from '../reference/customs-offices.ts';
import {
  BEARER,
  CHINA_TIME_PATTERN,
  DECIMAL_PATTERN,
  ERROR_RESPONSES,
  Links,
  ZERO_PATTERN,
  Link,
  RetError,
  answer,
  codes,
  dateQuery,
  idParams,
  signedFileResponse,
  stringEnum,
  urlField,
  exampleLink,
} from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';

export const CUSTOMS_STATES = ['ACCEPTED', 'SUBMITED', 'SUCCESS', 'FAIL'] as const;
const OFFICE_CODES = CUSTOMS_OFFICES.map((o) => o.code);
const IDENTIFIER = '^[A-Za-z0-9_.-]+$';
const IDENTIFIER_TEXT = 'may only hold letters, digits, "_", "-" and "."';

const SAMPLE_PAYMENT = 'PAY_5ZQ2XW7T3KJ9A';
const SAMPLE_ID = 'CUST_3HZ8KQ5W2NM4T';

// ---- request ------------------------------------------------------------------------------------

function decimalInput(description: string, positive: boolean) {
  return Type.Unsafe<string>({
    type: 'string',
    pattern: DECIMAL_PATTERN,
    ...(positive ? { not: { pattern: ZERO_PATTERN } } : {}),
    'x-umf-format': { pattern: 'must be a decimal amount like "100.02"', not: 'must be larger than 0' },
    description: `${description} A decimal string or a JSON number.`,
  });
}

function customsAmountInput(id: string, description: string, positive: boolean) {
  return shared(
    Type.Object(
      {
        currency: stringEnum(CURRENCIES, {
          description: "The payment's currency or CNY (case-insensitive).",
          examples: ['USD'],
        }),
        total: decimalInput(positive ? 'Larger than 0.' : 'Zero or more.', positive),
        total_cny: Type.Optional(
          decimalInput(
            'In CNY. Default: `total` for a CNY amount (which must equal it), else `total` at the ' +
              "payment's locked rate.",
            false,
          ),
        ),
      },
      {
        $id: id,
        description,
        examples: [{ total: '5.00', total_cny: '35.62', currency: 'USD' }],
        'x-umf-format': { type: 'must be an amount object {"total","total_cny","currency"}' },
      },
    ),
  );
}

export const CustomsAmountInput = customsAmountInput(
  'CustomsAmountInput',
  "An amount declared to customs, in the payment's currency or in CNY.",
  false,
);
export const CustomsSubOrderAmountInput = customsAmountInput(
  'CustomsSubOrderAmountInput',
  "The declared sub-order's amount, in the payment's currency or in CNY, larger than 0.",
  true,
);
export type CustomsAmountInput = Static<typeof CustomsAmountInput>;

const identifier = (description: string, example: string) =>
  Type.String({
    maxLength: 64,
    pattern: IDENTIFIER,
    'x-umf-format': IDENTIFIER_TEXT,
    description: `${description} At most 64 of letters, digits, \`_\`, \`-\`, \`.\`.`,
    examples: [example],
  });

export const CustomsDeclarationBody = shared(
  Type.Object(
    {
      customs_id: Type.Unsafe<string>({
        type: 'string',
        allOf: [
          { type: 'string', maxLength: 16 },
          {
            type: 'string',
            enum: OFFICE_CODES,
            'x-umf-code': 'CUSTOMS_UNAVAILABLE',
            'x-umf-format': `is not a customs office of the platform (one of ${OFFICE_CODES.join(', ')})`,
          },
        ],
        description:
          `The customs office (case-insensitive): ${CUSTOMS_OFFICES.map((o) => `${o.code} ${o.name}`).join(', ')}. ` +
          `${codes('CUSTOMS_UNAVAILABLE')}.`,
        examples: ['NB'],
      }),
      mer_customs_code: identifier("The merchant's registration with the customs office.", '3302961234'),
      ec_plat_id: identifier("The e-commerce platform's account in the customs system.", '3302960001'),
      sub_order: Type.Object(
        {
          mer_sub_reference_id: Type.String({
            maxLength: 64,
            pattern: IDENTIFIER,
            'x-umf-format': IDENTIFIER_TEXT,
            'x-umf-code': { required: 'CUSTOMS_SUB_ORDER_ABSENT' },
            description:
              'A sub-order of the payment created with `is_customs` TRUE ' +
              `(${codes('CUSTOMS_SUB_ORDER_ABSENT', 'CUSTOMS_NOT_REQUIRED')}).`,
            examples: ['ORDER-20260301-0001-1'],
          }),
          items: Type.Array(
            Type.Object(
              {
                mer_item_id: Type.String({
                  maxLength: 64,
                  'x-umf-code': { required: 'CUSTOMS_ITEMS_ABSENT' },
                  description: 'An item of the sub-order (each at most once).',
                  examples: ['tee'],
                }),
              },
              { 'x-umf-code': { type: 'CUSTOMS_ITEMS_ABSENT' } },
            ),
            {
              minItems: 1,
              maxItems: 200,
              'x-umf-code': {
                required: 'CUSTOMS_ITEMS_ABSENT',
                type: 'CUSTOMS_ITEMS_ABSENT',
                minItems: 'CUSTOMS_ITEMS_ABSENT',
              },
              description: `The declared items, 1 to 200 (${codes('CUSTOMS_ITEMS_ABSENT')}).`,
            },
          ),
        },
        {
          'x-umf-code': 'CUSTOMS_SUB_ORDER_ABSENT',
          description: `The declared sub-order and which of its items (${codes('CUSTOMS_SUB_ORDER_ABSENT')}).`,
        },
      ),
      freight_amount: refTo(CustomsAmountInput, { description: 'The freight.' }),
      tax_amount: refTo(CustomsAmountInput, { description: 'The customs tax (zero: `"0"`).' }),
      sub_order_amount: refTo(CustomsSubOrderAmountInput, { description: "The sub-order's amount." }),
      notify_url: Type.Optional(urlField("Where the final state is POSTed; the payment's notify_url if absent.")),
    },
    {
      $id: 'CustomsDeclarationBody',
      description: 'A customs declaration of a sub-order (objs.md `customs_declaration`).',
    },
  ),
);

export const CreateCustomsDeclarationRequest = shared(
  Type.Unsafe<Static<typeof CustomsDeclarationBody> & { customs_declaration?: Static<typeof CustomsDeclarationBody> }>({
    $id: 'CreateCustomsDeclarationRequest',
    type: 'object',
    if: { required: ['customs_declaration'], properties: { customs_declaration: { type: 'object' } } },
    then: { properties: { customs_declaration: refTo(CustomsDeclarationBody) } },
    else: refTo(CustomsDeclarationBody),
    description:
      'A declaration of a paid sub-order to a customs office (reference 3.9), within one calendar month of the ' +
      `order (${codes('CUSTOMS_PERIOD_OVER')}), possibly wrapped as \`{"customs_declaration":{...}}\`.`,
    examples: [
      {
        customs_id: 'NB',
        mer_customs_code: '3302961234',
        ec_plat_id: '3302960001',
        freight_amount: { total: '5.00', total_cny: '35.62', currency: 'USD' },
        tax_amount: { total: '0', total_cny: '0', currency: 'CNY' },
        sub_order_amount: { total: '50.02', currency: 'USD' },
        notify_url: 'https://shop.example/umf/customs',
        sub_order: {
          mer_sub_reference_id: 'ORDER-20260301-0001-1',
          items: [{ mer_item_id: 'tee' }, { mer_item_id: 'cap' }],
        },
      },
    ],
  }),
);
export type CreateCustomsDeclarationRequest = Static<typeof CreateCustomsDeclarationRequest>;

// ---- the declaration object -------------------------------------------------------------------------

export const CustomsAmount = shared(
  Type.Object(
    {
      total: Type.String({ pattern: '^\\d+(\\.\\d+)?$', description: "With the currency's digits." }),
      currency: stringEnum(CURRENCIES),
      total_cny: Type.String({ pattern: '^\\d+\\.\\d{2}$', description: 'CNY, two decimals.' }),
    },
    {
      $id: 'CustomsAmount',
      description: 'An amount declared to customs.',
      examples: [{ total: '5.00', currency: 'USD', total_cny: '35.62' }],
    },
  ),
);
export type CustomsAmount = Static<typeof CustomsAmount>;

export const CustomsDeclaration = shared(
  Type.Object(
    {
      id: Type.String({ pattern: '^CUST_[A-Z0-9]+$', examples: [SAMPLE_ID] }),
      state: stringEnum(CUSTOMS_STATES, {
        description: 'ACCEPTED -> SUBMITED (spelt so) -> SUCCESS | FAIL (`error`, e.g. 00202018).',
      }),
      customs_id: Type.String(),
      mer_customs_code: Type.String(),
      ec_plat_id: Type.String(),
      freight_amount: refTo(CustomsAmount),
      tax_amount: refTo(CustomsAmount),
      sub_order_amount: refTo(CustomsAmount),
      sub_order: Type.Object({
        mer_sub_reference_id: Type.String(),
        items: Type.Array(Type.Object({ mer_item_id: Type.String() })),
      }),
      notify_url: Type.String(),
      customs_clearance_date: Type.String({ pattern: '^\\d{8}$', description: 'The China date of the declaration.' }),
      parent_payment: Type.String({ description: 'The declared payment.' }),
      created_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      submitted_time: Type.Optional(Type.String({ pattern: CHINA_TIME_PATTERN })),
      completed_time: Type.Optional(Type.String({ pattern: CHINA_TIME_PATTERN })),
      error: Type.Optional(
        refTo(RetError, { description: `Why a FAIL declaration failed (${codes('CUSTOMS_REJECTED')}).` }),
      ),
      links: Type.Array(refTo(Link), { description: '`parent_payment`, then `self`.' }),
    },
    {
      $id: 'CustomsDeclaration',
      description:
        'A customs declaration (objs.md `customs_declaration`). Its final state is notified as ' +
        '`{"customs_declaration":{...}}`.',
      examples: [
        {
          id: SAMPLE_ID,
          state: 'ACCEPTED',
          customs_id: 'NB',
          mer_customs_code: '3302961234',
          ec_plat_id: '3302960001',
          freight_amount: { total: '5.00', currency: 'USD', total_cny: '35.62' },
          tax_amount: { total: '0.00', currency: 'CNY', total_cny: '0.00' },
          sub_order_amount: { total: '50.02', currency: 'USD', total_cny: '356.31' },
          sub_order: { mer_sub_reference_id: 'ORDER-20260301-0001-1', items: [{ mer_item_id: 'tee' }] },
          notify_url: 'https://shop.example/umf/customs',
          customs_clearance_date: '20260302',
          parent_payment: SAMPLE_PAYMENT,
          created_time: '2026-03-02T10:00:00+08:00',
          links: [
            exampleLink('parent_payment', 'GET', `/payments/payment/${SAMPLE_PAYMENT}`),
            exampleLink('self', 'GET', `/payments/customs_declarations/${SAMPLE_ID}`),
          ],
        },
      ],
    },
  ),
);
export type CustomsDeclaration = Static<typeof CustomsDeclaration>;

// ---- answers and routes ---------------------------------------------------------------------------

export const CustomsDeclarationAnswer = answer(
  'CustomsDeclarationAnswer',
  'A declaration, as `customs_declarations[0]` (the reference 3.9 sample), and its links.',
  { links: Links, customs_declarations: Type.Array(refTo(CustomsDeclaration), { minItems: 1, maxItems: 1 }) },
);
export type CustomsDeclarationAnswer = Static<typeof CustomsDeclarationAnswer>;

const TAGS = ['Customs'];

export const createCustomsDeclarationRoute = {
  summary: 'Declare a sub-order to customs',
  description:
    'Declares a sub-order of a TRADE_SUCCESS payment (reference 3.9, docs/customs.md). The declaration goes ' +
    'ACCEPTED -> SUBMITED -> SUCCESS | FAIL; the final state is notified (sandbox: a `mer_customs_code` ending ' +
    `in 13 is refused). A sub-order with a live declaration: ${codes('CUSTOMS_ALREADY_DECLARED')}.`,
  tags: TAGS,
  operationId: 'createCustomsDeclaration',
  security: BEARER,
  params: idParams('The paid payment.', SAMPLE_PAYMENT),
  body: refTo(CreateCustomsDeclarationRequest),
  response: { 201: refTo(CustomsDeclarationAnswer), ...ERROR_RESPONSES },
};

export const getCustomsDeclarationRoute = {
  summary: 'Query a customs declaration',
  description: `A declaration of the merchant (reference 3.10); another merchant's: ${codes('CUSTOMS_NOT_FOUND')}.`,
  tags: TAGS,
  operationId: 'getCustomsDeclaration',
  security: BEARER,
  params: idParams('The declaration id.', SAMPLE_ID),
  response: { 200: refTo(CustomsDeclarationAnswer), ...ERROR_RESPONSES },
};

export const customsDownloadRoute = {
  summary: 'Download the customs list of a day',
  description:
    "The merchant's declarations made on a China date, as a signed comma-separated text file (docs/customs.md).",
  tags: TAGS,
  operationId: 'downloadCustomsList',
  security: BEARER,
  querystring: Type.Object({ customs_date: dateQuery('The China date of the declarations.') }),
  response: { 200: signedFileResponse('The customs list file (text/plain, UTF-8).'), ...ERROR_RESPONSES },
};
