/**
 * Schemas of the refund routes (reference 3.7-3.8): the create body in its three wire shapes
 * (refund-request.ts `parseRefundRequest`, WIRE-NOTES.md "Refund requests come in three shapes"), the
 * refund object as refund-view.ts renders it, and a Fastify route schema per route.
 *
 * The shapes are chosen as today's code chooses them: `{"refund":{...}}` (an object) wraps the rest;
 * then `refund_info`, else `order`, else `orders` (one order), else `order` is required. The schema
 * says so with if/then/else, so the same shape is validated. In code: the refund in the payment's
 * currency (`00202011`, a currency code that is not one is refused here already), the sums of sub-orders
 * and items and the decimals (`00202009`), what is left to refund and `org_amount` (`00202010`).
 */
import Type, { type Static } from 'typebox';
import { CURRENCIES } from '../money/currencies.ts';
import {
  BEARER,
  CHINA_TIME_PATTERN,
  DECIMAL_PATTERN,
  ERROR_RESPONSES,
  Links,
  ZERO_PATTERN,
  Amount,
  Link,
  OrderAmount,
  RetError,
  answer,
  codes,
  dateField,
  idParams,
  lenient,
  referenceField,
  stringEnum,
  urlField,
  exampleLink,
} from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';

export const REFUND_STATES = ['REFUND_PROCESS', 'REFUND_SUCCESS', 'REFUND_FAIL', 'REFUND_CLOSE'] as const;

const SAMPLE_PAYMENT = 'PAY_5ZQ2XW7T3KJ9A';
const SAMPLE_ID = 'REFUND_8MJ4QX2N7PW3C';

// ---- request ------------------------------------------------------------------------------------

export const RefundAmountInput = shared(
  Type.Object(
    {
      currency: stringEnum(CURRENCIES, {
        'x-umf-code': { enum: 'REFUND_CURRENCY_MISMATCH' },
        description: `The payment's currency (case-insensitive; any other: ${codes('REFUND_CURRENCY_MISMATCH')}).`,
        examples: ['USD'],
      }),
      total: Type.Unsafe<string>({
        type: 'string',
        pattern: DECIMAL_PATTERN,
        not: { pattern: ZERO_PATTERN },
        'x-umf-code': {
          required: 'AMOUNT_BLANK',
          type: 'REFUND_AMOUNT_INCORRECT',
          pattern: 'REFUND_AMOUNT_INCORRECT',
          not: 'AMOUNT_NOT_POSITIVE',
        },
        'x-umf-format': { pattern: 'must be a decimal amount like "100.02"', not: 'must be larger than 0' },
        description:
          `Decimal string (a JSON number is accepted too), larger than 0 (${codes('AMOUNT_NOT_POSITIVE')}), with at ` +
          `most the currency's decimals (${codes('REFUND_AMOUNT_INCORRECT')}). Missing: ${codes('AMOUNT_BLANK')}.`,
        examples: ['30.02'],
      }),
    },
    {
      $id: 'RefundAmountInput',
      description: "An amount of a refund, in the payment's currency.",
      examples: [{ total: '30.02', currency: 'USD' }],
    },
  ),
);
export type RefundAmountInput = Static<typeof RefundAmountInput>;

const amountIn = (description: string) =>
  refTo(RefundAmountInput, {
    description: `${description} Missing: ${codes('AMOUNT_BLANK')}.`,
    'x-umf-code': 'AMOUNT_BLANK',
  });

export const RefundItemInput = shared(
  Type.Object(
    {
      mer_item_id: Type.Optional(Type.String({ maxLength: 64 })),
      type: Type.Optional(Type.String({ maxLength: 32, description: 'The kind of goods (stored upper-case).' })),
      name: Type.Optional(Type.String({ maxLength: 256 })),
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      quantity: Type.Optional(
        Type.String({
          pattern: '^[1-9]\\d{0,6}$',
          description: 'A whole number from 1, as a string or a number (`item_quantity` is the same field).',
          examples: ['1'],
        }),
      ),
      amount: amountIn('What is given back for the item.'),
    },
    { $id: 'RefundItemInput', description: 'An item given back.' },
  ),
);
export type RefundItemInput = Static<typeof RefundItemInput>;

export const RefundSubOrderInput = shared(
  Type.Object(
    {
      mer_sub_reference_id: Type.Optional(
        Type.String({ maxLength: 64, description: 'A sub-order of the payment (each at most once).' }),
      ),
      trans_code: Type.Optional(Type.String({ maxLength: 16 })),
      amount: amountIn('What is given back of the sub-order: the sum of its items when it has some.'),
      items: Type.Optional(Type.Array(refTo(RefundItemInput), { maxItems: 200 })),
    },
    { $id: 'RefundSubOrderInput', description: 'A sub-order of the payment given back.' },
  ),
);
export type RefundSubOrderInput = Static<typeof RefundSubOrderInput>;

export const RefundOrderInput = shared(
  Type.Object(
    {
      mer_reference_id: referenceField(
        "The merchant's refund number (with `mer_date`, unique per merchant), not the payment's order number.",
        ['REFUND-20260302-0001'],
      ),
      mer_date: dateField('The date of the refund number.', ['20260302']),
      amount: amountIn('The refund amount: the sum of its sub-orders when it has some.'),
      refund_summary: Type.Optional(Type.String({ maxLength: 256 })),
      sub_orders: Type.Optional(Type.Array(refTo(RefundSubOrderInput), { maxItems: 100 })),
      notify_url: Type.Optional(lenient('Read when the request has no `notify_url` of its own.')),
      parent_payment: Type.Optional(lenient('Read when the request has no `parent_payment` of its own.')),
    },
    {
      $id: 'RefundOrderInput',
      description: 'What is refunded (objs.md `refund` `order`).',
      examples: [
        {
          mer_reference_id: 'REFUND-20260302-0001',
          mer_date: '20260302',
          amount: { total: '30.02', currency: 'USD' },
          refund_summary: 'One T-shirt returned',
        },
      ],
    },
  ),
);
export type RefundOrderInput = Static<typeof RefundOrderInput>;

const refundOrder = refTo(RefundOrderInput);

/** The members every shape has next to its order. */
const RefundCommon = {
  notify_url: Type.Optional(urlField("Where the refund's final state is POSTed; the payment's notify_url if absent.")),
  parent_payment: Type.Optional(
    Type.String({ maxLength: 64, description: 'The payment of the URL, when given.', examples: [SAMPLE_PAYMENT] }),
  ),
  org_amount: Type.Optional(
    refTo(RefundAmountInput, {
      description: `The payment's amount, when given (${codes('REFUND_AMOUNT_INCONSISTENT')}).`,
    }),
  ),
  refund_summary: Type.Optional(lenient('Read when the order has no `refund_summary`.')),
};

/** The three shapes, chosen as refund-request.ts `locate` chooses: refund_info, order, orders. */
export const RefundBody = shared(
  Type.Unsafe<{
    order?: RefundOrderInput;
    orders?: RefundOrderInput[];
    refund_info?: RefundOrderInput;
    notify_url?: string;
    parent_payment?: string;
    org_amount?: RefundAmountInput;
  }>({
    $id: 'RefundBody',
    type: 'object',
    properties: RefundCommon,
    if: { required: ['refund_info'] },
    then: { properties: { refund_info: refundOrder } },
    else: {
      if: { required: ['order'] },
      then: { properties: { order: refundOrder } },
      else: {
        if: { required: ['orders'] },
        then: {
          properties: {
            orders: {
              type: 'array',
              items: refundOrder,
              minItems: 1,
              maxItems: 1,
              description: 'The reference 3.7 shape: exactly one order.',
            },
          },
        },
        else: { required: ['order'] },
      },
    },
    description:
      'A refund in one of the three shapes real clients send: `order` (the Java client), `refund_info` (a later ' +
      'demo) or `orders: [order]` (reference 3.7). When several are present, `refund_info` wins, then `order`.',
  }),
);

export const CreateRefundRequest = shared(
  Type.Unsafe<Static<typeof RefundBody> & { refund?: Static<typeof RefundBody> }>({
    $id: 'CreateRefundRequest',
    type: 'object',
    if: { required: ['refund'], properties: { refund: { type: 'object' } } },
    then: { properties: { refund: refTo(RefundBody) } },
    else: refTo(RefundBody),
    description:
      'A refund of the payment of the URL (reference 3.7), full or partial, possibly wrapped as `{"refund":{...}}`. ' +
      'Several refunds may be made until the payment is refunded; only TRADE_SUCCESS payments ' +
      `(${codes('NO_REFUND_ALLOWED')}).`,
    examples: [
      {
        order: {
          mer_reference_id: 'REFUND-20260302-0001',
          mer_date: '20260302',
          amount: { total: '30.02', currency: 'USD' },
        },
        notify_url: 'https://shop.example/umf/refund-notify',
        parent_payment: SAMPLE_PAYMENT,
      },
      {
        org_amount: { total: '100.02', currency: 'USD' },
        orders: [
          {
            mer_reference_id: 'REFUND-20260302-0002',
            mer_date: '20260302',
            amount: { total: '50.02', currency: 'USD' },
            sub_orders: [
              { mer_sub_reference_id: 'ORDER-20260301-0001-1', amount: { total: '50.02', currency: 'USD' } },
            ],
          },
        ],
      },
      {
        refund_info: {
          mer_reference_id: 'REFUND-20260302-0003',
          mer_date: '20260302',
          amount: { total: '10.00', currency: 'USD' },
          refund_summary: 'Partial refund',
        },
        parent_payment: SAMPLE_PAYMENT,
      },
    ],
  }),
);
export type CreateRefundRequest = Static<typeof CreateRefundRequest>;

// ---- the refund object ----------------------------------------------------------------------------

export const RefundItem = Type.Object(
  {
    mer_item_id: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    quantity: Type.Optional(Type.String({ pattern: '^[1-9]\\d*$' })),
    amount: refTo(Amount),
  },
  { description: 'An item given back.' },
);

export const RefundSubOrder = Type.Object(
  {
    mer_sub_reference_id: Type.Optional(Type.String()),
    trans_code: Type.Optional(Type.String()),
    amount: refTo(Amount),
    items: Type.Optional(Type.Array(RefundItem)),
  },
  { description: 'A sub-order given back.' },
);

export const RefundOrder = shared(
  Type.Object(
    {
      mer_reference_id: Type.String({ description: "The merchant's refund number." }),
      mer_date: Type.String({ pattern: '^\\d{8}$' }),
      amount: refTo(OrderAmount, {
        description: "`total` in the payment's currency; `total_cny` the CNY given back at the payment's locked rate.",
      }),
      refund_summary: Type.Optional(Type.String()),
      sub_orders: Type.Optional(Type.Array(RefundSubOrder)),
    },
    { $id: 'RefundOrder', description: 'What a refund gives back.' },
  ),
);
export type RefundOrder = Static<typeof RefundOrder>;

export const Refund = shared(
  Type.Object(
    {
      id: Type.String({ pattern: '^REFUND_[A-Z0-9]+$', examples: [SAMPLE_ID] }),
      state: stringEnum(REFUND_STATES, {
        description: 'REFUND_PROCESS until the channel answers, then REFUND_SUCCESS or REFUND_FAIL (`error`).',
      }),
      parent_payment: Type.String({ description: 'The refunded payment.' }),
      order: refTo(RefundOrder),
      orders: Type.Array(refTo(RefundOrder), { description: 'The same order, as the reference 3.7 sample shows it.' }),
      notify_url: Type.String(),
      created_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      settle_date: Type.String({ pattern: '^\\d{8}$', description: 'The China date the refund was accepted.' }),
      execute_success_time: Type.Optional(
        Type.String({ pattern: CHINA_TIME_PATTERN, description: 'When the refund succeeded.' }),
      ),
      error: Type.Optional(
        refTo(RetError, { description: `Why a REFUND_FAIL refund failed (${codes('REFUND_REQUEST_FAILED')}).` }),
      ),
      links: Type.Array(refTo(Link), { description: '`parent_payment`, then `self`.' }),
    },
    {
      $id: 'Refund',
      description: 'A refund (objs.md `refund`). Its final state is notified as `{"refund":{...}}`.',
      examples: [
        {
          id: SAMPLE_ID,
          state: 'REFUND_PROCESS',
          parent_payment: SAMPLE_PAYMENT,
          order: {
            mer_reference_id: 'REFUND-20260302-0001',
            mer_date: '20260302',
            amount: {
              total: '30.02',
              currency: 'USD',
              total_cny: '213.84',
              exchange_rate: { rate: '7.1234', currency: 'USD' },
            },
          },
          orders: [
            {
              mer_reference_id: 'REFUND-20260302-0001',
              mer_date: '20260302',
              amount: {
                total: '30.02',
                currency: 'USD',
                total_cny: '213.84',
                exchange_rate: { rate: '7.1234', currency: 'USD' },
              },
            },
          ],
          notify_url: 'https://shop.example/umf/refund-notify',
          created_time: '2026-03-02T10:00:00+08:00',
          settle_date: '20260302',
          links: [
            exampleLink('parent_payment', 'GET', `/payments/payment/${SAMPLE_PAYMENT}`),
            exampleLink('self', 'GET', `/payments/refund/${SAMPLE_ID}`),
          ],
        },
      ],
    },
  ),
);
export type Refund = Static<typeof Refund>;

// ---- answers and routes ---------------------------------------------------------------------------

export const CreateRefundAnswer = answer('CreateRefundAnswer', 'The new refund (REFUND_PROCESS) and its links.', {
  refund: refTo(Refund),
  links: Links,
});
export type CreateRefundAnswer = Static<typeof CreateRefundAnswer>;

export const RefundAnswer = answer('RefundAnswer', 'A refund, also as `refunds[0]` (the reference 3.8 sample).', {
  refund: refTo(Refund),
  refunds: Type.Array(refTo(Refund)),
  links: Links,
});
export type RefundAnswer = Static<typeof RefundAnswer>;

const TAGS = ['Refunds'];

export const createRefundRoute = {
  summary: 'Refund a payment',
  description:
    'Creates a refund of a TRADE_SUCCESS payment (reference 3.7), in its currency, never more than is left. It ' +
    'starts REFUND_PROCESS; the final state is notified (sandbox: a refund amount ending in .13 is refused). ' +
    `The same refund number twice: ${codes('DUPLICATE_REFUND')}. Signed request; ` +
    '`Idempotency-Key` makes retries safe.',
  tags: TAGS,
  operationId: 'createRefund',
  security: BEARER,
  params: idParams('The payment to refund.', SAMPLE_PAYMENT),
  body: refTo(CreateRefundRequest),
  response: { 201: refTo(CreateRefundAnswer), ...ERROR_RESPONSES },
};

export const getRefundRoute = {
  summary: 'Query a refund',
  description: `A refund of the merchant (reference 3.8); another merchant's: ${codes('REFUND_NOT_FOUND')}.`,
  tags: TAGS,
  operationId: 'getRefund',
  security: BEARER,
  params: idParams('The refund id (`refund.id`).', SAMPLE_ID),
  response: { 200: refTo(RefundAnswer), ...ERROR_RESPONSES },
};
