/**
 * Schemas of the payment routes (reference 3.2-3.6, 3.15): the create, verify and execute bodies as
 * the gateway accepts them (payment-request.ts `parseCreatePayment`, payment-service.ts
 * `#cardFromRequest` and `verifyCodeOf`), the payment object as payment-view.ts renders it, and a
 * ready Fastify route schema per route. What a schema cannot say stays in code: that the sub-orders
 * add up to the order (and the items to their sub-order), one currency per order, the decimals of the
 * currency, mer_date within 40 days, expire_time in the future, interface_type x payment_method, the
 * bank taking the card type, the merchant's accepted currencies.
 *
 * Verify and execute read their fields leniently today (a value of another type counts as absent), so
 * their leaves are described but not constrained: the card checks (decryption, Luhn, citizen id,
 * expiry) are all in code.
 */
import Type, { type Static } from 'typebox';
import { CURRENCIES } from '../money/currencies.ts';
import { BANKS, ONLINE_BANKING_BANKS } from '../reference/banks.ts';
import { TRANS_CODES } from '../reference/trans-codes.ts';
import {
  BEARER,
  CHINA_TIME_PATTERN,
  DECIMAL_PATTERN,
  ERROR_RESPONSES,
  Links,
  ZERO_PATTERN,
  Amount,
  OrderAmount,
  RetError,
  Link,
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
import { INTERFACE_TYPES, INTERFACE_TYPES_IN, PAYMENT_METHODS } from './payment-request.ts';
import { PAYMENT_STATES } from './payment-state.ts';

export const BUSINESS_TYPES = ['B2C', 'B2B'] as const;
/** What the create request accepts (ELECTRONICS is stored as ELECTRONIC). */
export const ITEM_TYPES_IN = ['CLOTHING', 'FOOD', 'ELECTRONIC', 'ELECTRONICS', 'OTHER'] as const;
export const ITEM_TYPES_OUT = ['CLOTHING', 'FOOD', 'ELECTRONIC', 'OTHER'] as const;

const SAMPLE_ID = 'PAY_5ZQ2XW7T3KJ9A';

/** payer_info.phone after cards.ts `normalisePhone`: spaces, dashes and a +86 / 86 prefix allowed. */
export const PHONE_PATTERN = '^[\\s-]*(\\+?[\\s-]*8[\\s-]*6[\\s-]*)?1([\\s-]*\\d){10}[\\s-]*$';
/** expire_time: minutes, or an ISO 8601 date-time with a time zone. */
const EXPIRE_PATTERN = '^(\\d{1,6}|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2}))$';

// ---- request: create ------------------------------------------------------------------------------

/** `total` of a payment amount (a JSON number is accepted too: the normaliser makes it a string). */
const PaymentTotal = Type.Unsafe<string>({
  type: 'string',
  pattern: DECIMAL_PATTERN,
  not: { pattern: ZERO_PATTERN },
  'x-umf-code': { required: 'AMOUNT_BLANK', not: 'AMOUNT_NOT_POSITIVE' },
  'x-umf-format': { pattern: 'must be a decimal amount like "100.02"', not: 'must be larger than 0' },
  description:
    'Decimal string ("100.02"; a JSON number is accepted too), larger than 0, with at most the currency\'s ' +
    `decimals (JPY and KRW: whole amounts, ${codes('AMOUNT_NOT_INTEGER')}). Missing: ${codes('AMOUNT_BLANK')}; ` +
    `zero: ${codes('AMOUNT_NOT_POSITIVE')}.`,
  examples: ['100.02'],
});

export const PaymentAmountInput = shared(
  Type.Object(
    {
      currency: stringEnum(CURRENCIES, {
        'x-umf-code': { enum: 'CURRENCY_NOT_ACCEPTED' },
        description:
          `ISO 4217 code (case-insensitive), one of the platform's currencies (${codes('CURRENCY_NOT_ACCEPTED')}), ` +
          'the same in the whole order and accepted by the merchant.',
        examples: ['USD'],
      }),
      total: PaymentTotal,
    },
    {
      $id: 'PaymentAmountInput',
      description: 'An amount of the order, a sub-order or an item, in the order currency (objs.md `amount`).',
      examples: [{ total: '100.02', currency: 'USD' }],
    },
  ),
);
export type PaymentAmountInput = Static<typeof PaymentAmountInput>;

const amountIn = (description: string) =>
  refTo(PaymentAmountInput, {
    description: `${description} Missing: ${codes('AMOUNT_BLANK')}.`,
    'x-umf-code': 'AMOUNT_BLANK',
  });

export const ItemInput = shared(
  Type.Object(
    {
      mer_item_id: Type.Optional(
        Type.String({ maxLength: 64, description: "The item's id in the merchant's system." }),
      ),
      type: Type.Optional(
        stringEnum(ITEM_TYPES_IN, {
          'x-umf-format': 'must be CLOTHING, FOOD, ELECTRONIC or OTHER',
          description: 'The kind of goods (case-insensitive; ELECTRONICS means ELECTRONIC).',
        }),
      ),
      name: Type.Optional(Type.String({ maxLength: 256 })),
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      quantity: Type.Optional(
        Type.String({
          pattern: '^(?=\\d{1,7}$)0*[1-9]\\d*$',
          'x-umf-format': 'must be a positive whole number',
          description: 'A whole number from 1, as a string or a number; `item_quantity` is the same field. Default 1.',
          examples: ['2'],
        }),
      ),
      amount: amountIn('The price of the item (all of them).'),
    },
    {
      $id: 'ItemInput',
      description: 'Goods of a sub-order (objs.md `item`).',
      examples: [
        {
          mer_item_id: 'tee',
          type: 'CLOTHING',
          name: 'T-shirt',
          description: 'Cotton T-shirt',
          quantity: '2',
          amount: { total: '30.02', currency: 'USD' },
        },
      ],
    },
  ),
);
export type ItemInput = Static<typeof ItemInput>;

export const SubOrderInput = shared(
  Type.Object(
    {
      mer_sub_reference_id: Type.Optional(
        Type.String({ maxLength: 64, description: "The sub-order's id in the merchant's system." }),
      ),
      amount: amountIn('The amount of the sub-order: the sum of its items when it has some.'),
      order_summary: Type.Optional(Type.String({ maxLength: 256 })),
      trans_code: stringEnum(
        TRANS_CODES.map((t) => t.code),
        {
          'x-umf-format': 'is not a transaction code of the appendix',
          description: 'The 8-digit transaction code of the goods (appendix.md).',
          examples: ['01121990'],
        },
      ),
      is_customs: Type.Optional(
        Type.Unsafe<boolean | 'TRUE' | 'FALSE' | 'Y' | 'N' | '1' | '0'>({
          anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['TRUE', 'FALSE', 'Y', 'N', '1', '0'] }],
          'x-umf-format': 'must be TRUE or FALSE',
          description: 'Whether the sub-order will be declared to customs: TRUE or FALSE (also true/false, Y/N, 1/0).',
          examples: ['TRUE'],
        }),
      ),
      invoice_id: Type.Optional(Type.String({ maxLength: 64 })),
      items: Type.Optional(Type.Array(refTo(ItemInput), { maxItems: 200, description: 'At most 200.' })),
    },
    {
      $id: 'SubOrderInput',
      description: 'A sub-order: goods of one transaction code (objs.md `sub_order`).',
    },
  ),
);
export type SubOrderInput = Static<typeof SubOrderInput>;

export const OrderInput = shared(
  Type.Object(
    {
      mer_reference_id: referenceField("The merchant's order number; one payment per number and date.", [
        'ORDER-20260301-0001',
      ]),
      mer_date: dateField("The merchant's order date, within 40 days of today.", ['20260301']),
      amount: amountIn('The amount of the order: the sum of its sub-orders.'),
      order_summary: Type.Optional(Type.String({ maxLength: 256 })),
      user_ip: Type.Optional(
        Type.String({ maxLength: 64, description: "The payer's IP address (`payer.user_ip` is read when absent)." }),
      ),
      expire_time: Type.Optional(
        Type.String({
          pattern: EXPIRE_PATTERN,
          'x-umf-format': 'must be minutes ("360") or an ISO 8601 date-time with a time zone',
          description:
            `The payment deadline: minutes from now (1-43200) or an ISO 8601 date-time with a time zone, in the ` +
            `next 30 days (in the past: ${codes('PAYMENT_EXPIRED')}). Default: the gateway's.`,
          examples: ['360', '2026-03-01T18:00:00+08:00'],
        }),
      ),
      sub_orders: Type.Array(refTo(SubOrderInput), { minItems: 1, maxItems: 100, description: '1 to 100.' }),
    },
    { $id: 'OrderInput', description: 'The order (objs.md `order`).' },
  ),
);
export type OrderInput = Static<typeof OrderInput>;

const citizenIdFields = {
  citizen_id_type: Type.Optional(lenient('IDENTITY_CARD or "1" (both mean the PRC identity card).', ['IDENTITY_CARD'])),
  citizen_id_number: Type.Optional(lenient('Encrypted with the platform certificate, base64.')),
};

export const PayerAgreementInput = shared(
  Type.Object(
    {
      usr_busi_agreement_id: Type.Optional(
        Type.String({ maxLength: 64, description: "The payer's agreement id (`busi_agreement_id` is the same)." }),
      ),
      usr_pay_agreement_id: Type.Optional(
        Type.String({ maxLength: 64, description: "The card's agreement id (`agreement_id` is the same)." }),
      ),
    },
    {
      $id: 'PayerAgreementInput',
      description:
        'A card the payer paid with before (objs.md `payer_agreement`): both ids or neither. It stands for the ' +
        'card at verify, without card data.',
      examples: [{ usr_busi_agreement_id: 'UB202603010000000001', usr_pay_agreement_id: 'P202603010000000001' }],
    },
  ),
);
export type PayerAgreementInput = Static<typeof PayerAgreementInput>;

export const CreatePayerInfo = Type.Object(
  {
    phone: Type.Optional(
      Type.String({
        maxLength: 20,
        pattern: PHONE_PATTERN,
        'x-umf-code': { pattern: 'PHONE_INVALID' },
        'x-umf-format': 'must be a mainland China mobile number',
        description:
          "The payer's mainland mobile number, in clear (+86, spaces and dashes allowed; " +
          `${codes('PHONE_INVALID')}).`,
        examples: ['13800138000'],
      }),
    ),
    name: Type.Optional(lenient("The payer's name, encrypted with the platform certificate (not used at create).")),
    bank_card: Type.Optional(
      Type.Object(
        {
          phone: Type.Optional(lenient('The phone, read when `payer_info.phone` is absent (reference 3.2 sample).')),
          external_customer_id: Type.Optional(
            Type.String({
              maxLength: 64,
              description:
                "B2B (reference 4.3 sample): the paying company, by the merchant's own id of it " +
                "(`external_enterprise_id` of POST /enterprise_qualification). The sample's empty card fields " +
                'are ignored.',
              examples: ['10006666'],
            }),
          ),
        },
        {
          description:
            'Card payments: the card is sent at verify; at create only its phone is read. B2B: the company in ' +
            '`external_customer_id`.',
        },
      ),
    ),
    payer_agreement: Type.Optional(refTo(PayerAgreementInput)),
    qr_code_scan: Type.Optional(lenient('WECHAT_SCAN / ALIPAY_SCAN: citizen_id_type, citizen_id_number (not used).')),
    wechat_in_app: Type.Optional(lenient('WECHAT_IN_APP: citizen_id_type, citizen_id_number (not used).')),
    wechat_in_app_web: Type.Optional(
      Type.Object(
        {
          open_id: Type.Optional(
            Type.String({
              maxLength: 64,
              pattern: '^[A-Za-z0-9_-]+$',
              description: "WECHAT_WEB (required there): the payer's open_id from GET /payments/wechat_openid.",
            }),
          ),
          ...citizenIdFields,
        },
        { description: "WECHAT_WEB: the payer's open_id." },
      ),
    ),
    open_id: Type.Optional(lenient('The open_id, read when `wechat_in_app_web.open_id` is absent.')),
    enterprise_qualification: Type.Optional(
      lenient('B2B: the company, read when `payer.enterprise_qualification` is absent.'),
    ),
  },
  { description: 'The payer (objs.md `payer_info`).' },
);
export type CreatePayerInfo = Static<typeof CreatePayerInfo>;

export const CreatePayer = Type.Object(
  {
    payment_method: stringEnum(PAYMENT_METHODS, {
      description:
        'How the payer pays (case-insensitive). This gateway takes CREDIT_CARD, DEBIT_CARD, WECHAT_SCAN, ' +
        "ALIPAY_SCAN, WECHAT_WEB, WECHAT_IN_APP, B2B_ONLINE_BANKING (a company's corporate account), " +
        "B2C_ONLINE_BANKING (a person's own account, DIRECT_TO_BANK) and NOT_APPLICABLE (the hosted checkout; " +
        'B2B with DIRECT_TO_BANK: corporate online banking).',
      examples: ['CREDIT_CARD'],
    }),
    interface_type: Type.Optional(
      stringEnum(INTERFACE_TYPES_IN, {
        description:
          'SERVER_TO_SERVER (default; DIRECT_TO_BANK for the online-banking methods), SERVER_TO_WEB / ' +
          'SERVER_TO_H5WEB (the hosted checkout, links[3] `upay`), DIRECT_TO_BANK (links[3] `upay` is the ' +
          "bank's online-banking page). CHECKOUT_COUNTER_WEB (the B2B sample's) is SERVER_TO_WEB. Valid payment " +
          'methods per interface: objs.md `payer`.',
      }),
    ),
    business_type: Type.Optional(
      stringEnum(BUSINESS_TYPES, {
        description:
          'B2C or B2B. Absent: B2B for B2B_ONLINE_BANKING and for NOT_APPLICABLE with DIRECT_TO_BANK, B2C otherwise. ' +
          `A B2B payment names an ENABLE company (${codes('ENTERPRISE_NOT_FOUND')}, ` +
          `${codes('ENTERPRISE_NOT_ENABLED')}).`,
      }),
    ),
    enterprise_qualification: Type.Optional(
      Type.Object(
        {
          external_enterprise_id: Type.Optional(
            Type.String({ maxLength: 64, description: "The merchant's own id of the company." }),
          ),
          id: Type.Optional(
            Type.String({
              maxLength: 64,
              pattern: '^EQ_[A-Za-z0-9]+$',
              description: 'The `EQ_...` id of the company.',
            }),
          ),
        },
        {
          description:
            'B2B (objs.md "business elements object"): the paying company, registered with POST ' +
            '/enterprise_qualification and ENABLE.',
        },
      ),
    ),
    bank_code: Type.Optional(
      Type.Unsafe<string>({
        type: 'string',
        allOf: [
          { type: 'string', maxLength: 20 },
          {
            type: 'string',
            enum: BANKS.map((b) => b.code),
            'x-umf-code': 'BANK_NOT_LINKED',
            'x-umf-format': '{value} is not a bank of the platform (GET /bank lists them)',
          },
        ],
        description:
          `Card payments: the issuing bank's code (GET /bank; ${codes('BANK_NOT_LINKED')}). Online banking ` +
          `(required with DIRECT_TO_BANK): the bank whose online banking the payer pays in, one of ` +
          `${ONLINE_BANKING_BANKS.map((b) => b.code).join(', ')}.`,
        examples: ['CCB'],
      }),
    ),
    payer_info: Type.Optional(CreatePayerInfo),
    user_ip: Type.Optional(lenient("The payer's IP, read when `order.user_ip` is absent.")),
  },
  { description: 'How the payer pays (objs.md `payer`).' },
);
export type CreatePayer = Static<typeof CreatePayer>;

export const CreatePaymentRequest = shared(
  Type.Object(
    {
      payer: CreatePayer,
      order: refTo(OrderInput),
      notify_url: urlField("Where the payment's final state is POSTed (signed)."),
      ret_url: Type.Optional(urlField("Hosted checkout: where the payer's browser returns when the payment is done.")),
      risk_info: Type.Optional(
        Type.Object(
          {
            trans_type: Type.Optional(lenient('`01` deposit, `02` purchase.')),
            goods_type: Type.Optional(lenient('`0` virtual, `1` physical, `2` air ticket, `3` electronics.')),
            real_name: Type.Optional(lenient('`0` or `1`.')),
            business_type: Type.Optional(lenient('`3` cross-border payment.')),
          },
          { description: 'Anti-fraud information (objs.md `risk_info`): string members, at most 40 kept.' },
        ),
      ),
    },
    {
      $id: 'CreatePaymentRequest',
      description:
        'A new payment (reference 3.2). Unknown fields are ignored; camelCase keys and `item_quantity` are read ' +
        'as their snake_case names; amounts and quantities may be strings or numbers.',
      examples: [
        {
          payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { phone: '13800138000' } },
          order: {
            mer_reference_id: 'ORDER-20260301-0001',
            mer_date: '20260301',
            amount: { total: '100.02', currency: 'USD' },
            order_summary: 'Two T-shirts and a jacket',
            expire_time: '360',
            sub_orders: [
              {
                mer_sub_reference_id: 'ORDER-20260301-0001-1',
                amount: { total: '50.02', currency: 'USD' },
                trans_code: '01121990',
                is_customs: 'TRUE',
                items: [
                  {
                    mer_item_id: 'tee',
                    type: 'CLOTHING',
                    name: 'T-shirt',
                    quantity: '2',
                    amount: { total: '30.02', currency: 'USD' },
                  },
                  {
                    mer_item_id: 'cap',
                    type: 'CLOTHING',
                    name: 'Cap',
                    quantity: '1',
                    amount: { total: '20.00', currency: 'USD' },
                  },
                ],
              },
              {
                mer_sub_reference_id: 'ORDER-20260301-0001-2',
                amount: { total: '50.00', currency: 'USD' },
                trans_code: '01122030',
              },
            ],
          },
          notify_url: 'https://shop.example/umf/notify',
        },
      ],
    },
  ),
);
export type CreatePaymentRequest = Static<typeof CreatePaymentRequest>;

// ---- request: verify and execute --------------------------------------------------------------------

const ENCRYPTED = 'Encrypted with the platform certificate (RSA-OAEP SHA-256, or PKCS#1 v1.5), base64.';

export const VerifyBankCard = Type.Object(
  {
    number: Type.Optional(lenient(`The card number. ${ENCRYPTED} Required without a payer agreement.`)),
    valid_date: Type.Optional(lenient(`Credit cards: the expiry, YYMM. ${ENCRYPTED}`)),
    cvv2: Type.Optional(lenient(`Credit cards: the CVV2. ${ENCRYPTED}`)),
    payer_name: Type.Optional(lenient(`The card holder's name (\`card_holder\` is the same). ${ENCRYPTED}`)),
    card_holder: Type.Optional(lenient("The card holder's name, read when `payer_name` is absent.")),
    ...citizenIdFields,
    phone: Type.Optional(lenient('The phone registered with the card, in clear (when payer_info.phone is absent).')),
  },
  { description: 'The card (objs.md `bank_card`).' },
);
export type VerifyBankCard = Static<typeof VerifyBankCard>;

export const VerifyPayerInfo = Type.Object(
  {
    phone: Type.Optional(lenient("The payer's mainland mobile number, in clear: the SMS code goes there.")),
    name: Type.Optional(lenient(`The card holder's name, read when the card has none. ${ENCRYPTED}`)),
    bank_card: Type.Optional(VerifyBankCard),
    payer_agreement: Type.Optional(
      Type.Object(
        {
          usr_busi_agreement_id: Type.Optional(lenient("The payer's agreement id.")),
          usr_pay_agreement_id: Type.Optional(lenient("The card's agreement id: the card without card data.")),
        },
        { description: 'A returning card (objs.md `payer_agreement`), instead of `bank_card`.' },
      ),
    ),
  },
  { description: 'The card to verify: `bank_card` (encrypted fields) or `payer_agreement`.' },
);
export type VerifyPayerInfo = Static<typeof VerifyPayerInfo>;

export const VerifyPaymentRequest = shared(
  Type.Object(
    {
      payer: Type.Optional(Type.Object({ payer_info: Type.Optional(VerifyPayerInfo) })),
      payer_info: Type.Optional(VerifyPayerInfo),
    },
    {
      $id: 'VerifyPaymentRequest',
      description:
        'The card for SMS verification (reference 3.3), in `payer.payer_info` (or `payer_info`). The card is ' +
        `checked in code: ${codes('CARD_BIN_INVALID', 'ID_NUMBER_INVALID', 'PHONE_INVALID', 'CARD_UNSUPPORTED')}.`,
      examples: [
        {
          payer: {
            payer_info: {
              phone: '13800138000',
              bank_card: {
                number: '<encrypted 6225760000040001>',
                valid_date: '<encrypted 3012>',
                cvv2: '<encrypted 123>',
                payer_name: '<encrypted Zhang San>',
                citizen_id_type: 'IDENTITY_CARD',
                citizen_id_number: '<encrypted 11010519491231002X>',
              },
            },
          },
        },
      ],
    },
  ),
);
export type VerifyPaymentRequest = Static<typeof VerifyPaymentRequest>;

const VERIFY_CODE = 'The SMS code (4 to 8 digits) from verify';

export const ExecutePaymentRequest = shared(
  Type.Object(
    {
      payer: Type.Optional(
        Type.Object({
          payer_info: Type.Optional(
            Type.Object({
              verify_code: Type.Optional(lenient(`${VERIFY_CODE}.`, ['505976'])),
              bank_card: Type.Optional(
                Type.Object({ verify_code: Type.Optional(lenient(`${VERIFY_CODE}, read when payer_info has none.`)) }),
              ),
            }),
          ),
          verify_code: Type.Optional(lenient(`${VERIFY_CODE}, read when payer_info has none.`)),
        }),
      ),
      verify_code: Type.Optional(lenient(`${VERIFY_CODE}, read when payer has none.`)),
    },
    {
      $id: 'ExecutePaymentRequest',
      description:
        'The SMS code (reference 3.4): `payer.payer_info.verify_code` (or `bank_card.verify_code`). ' +
        `${codes('SMS_CODE_INCORRECT', 'SMS_CODE_LOCKED', 'SMS_CODE_NOT_FOUND')}.`,
      examples: [{ payer: { payer_info: { verify_code: '505976' } } }],
    },
  ),
);
export type ExecutePaymentRequest = Static<typeof ExecutePaymentRequest>;

// ---- the payment object -----------------------------------------------------------------------------

export const PayInfo = shared(
  Type.Object(
    {
      app_id: Type.String({ description: "The platform's official account / app id." }),
      time_stamp: Type.String({ description: 'Seconds since 1970-01-01T00:00:00Z.' }),
      nonce_str: Type.String(),
      package: Type.String({ description: 'JS-API: `prepay_id=wx...`; APP: `Sign=WXPay`.' }),
      sign_type: stringEnum(['MD5'] as const),
      pay_sign: Type.String({ description: "WeChat Pay's MD5 signature of the other members." }),
      partner_id: Type.Optional(Type.String({ description: 'WECHAT_IN_APP: the WeChat Pay merchant number.' })),
      prepay_id: Type.Optional(Type.String({ description: 'WECHAT_IN_APP: the prepay order.' })),
    },
    {
      $id: 'PayInfo',
      description: 'What WeChat needs to pay (objs.md `pay_info`): hand it to the JS-API or the APP SDK unchanged.',
    },
  ),
);
export type PayInfo = Static<typeof PayInfo>;

export const PayerAgreement = shared(
  Type.Object(
    {
      usr_busi_agreement_id: Type.String({ description: "The payer's agreement id." }),
      usr_pay_agreement_id: Type.String({ description: "The card's agreement id." }),
      gate_id: Type.String({ description: 'The bank code.' }),
      last_four_cardid: Type.String({ pattern: '^\\d{4}$', description: 'The last four digits of the card.' }),
    },
    {
      $id: 'PayerAgreement',
      description: 'The payer agreement of a card paid with (objs.md `payer_agreement`): pass it at the next verify.',
    },
  ),
);
export type PayerAgreement = Static<typeof PayerAgreement>;

export const PayerInfo = Type.Object(
  {
    phone: Type.Optional(Type.String({ description: "The payer's phone." })),
    payer_agreement: Type.Optional(refTo(PayerAgreement)),
    bank_card: Type.Optional(
      Type.Object(
        { last_four_cardid: Type.String({ pattern: '^\\d{4}$' }) },
        { description: 'The card paid with (only its last four digits), when it has no agreement yet.' },
      ),
    ),
    qr_code_scan: Type.Optional(
      Type.Object(
        { qr_code_url: Type.String({ description: 'The content of the QR code the payer scans.' }) },
        { description: 'WECHAT_SCAN / ALIPAY_SCAN.' },
      ),
    ),
    wechat_in_app_web: Type.Optional(
      Type.Object(
        { open_id: Type.String(), pay_info: refTo(PayInfo) },
        { description: 'WECHAT_WEB: the JS-API pay_info.' },
      ),
    ),
    wechat_in_app: Type.Optional(
      Type.Object({ pay_info: refTo(PayInfo) }, { description: 'WECHAT_IN_APP: the APP SDK pay_info.' }),
    ),
  },
  { description: 'The payer, without card data.' },
);
export type PayerInfo = Static<typeof PayerInfo>;

export const PaymentPayer = Type.Object(
  {
    payment_method: stringEnum(PAYMENT_METHODS),
    interface_type: stringEnum(INTERFACE_TYPES),
    business_type: stringEnum(BUSINESS_TYPES),
    bank_code: Type.Optional(Type.String()),
    enterprise_qualification: Type.Optional(
      Type.Object(
        { id: Type.String(), external_enterprise_id: Type.String() },
        { description: 'B2B: the paying company.' },
      ),
    ),
    payer_info: PayerInfo,
  },
  { description: 'How the payer pays (objs.md `payer`).' },
);
export type PaymentPayer = Static<typeof PaymentPayer>;

export const Item = shared(
  Type.Object(
    {
      mer_item_id: Type.Optional(Type.String()),
      type: Type.Optional(stringEnum(ITEM_TYPES_OUT)),
      name: Type.Optional(Type.String()),
      description: Type.Optional(Type.String()),
      quantity: Type.String({ pattern: '^[1-9]\\d*$', description: 'A whole number, as a string.' }),
      amount: refTo(Amount),
    },
    { $id: 'Item', description: 'Goods of a sub-order (objs.md `item`).' },
  ),
);
export type Item = Static<typeof Item>;

export const SubOrder = shared(
  Type.Object(
    {
      mer_sub_reference_id: Type.Optional(Type.String()),
      order_summary: Type.Optional(Type.String()),
      trans_code: Type.String({ pattern: '^\\d{8}$' }),
      is_customs: stringEnum(['TRUE', 'FALSE'] as const),
      invoice_id: Type.Optional(Type.String()),
      amount: refTo(Amount),
      items: Type.Optional(Type.Array(refTo(Item))),
    },
    { $id: 'SubOrder', description: 'A sub-order (objs.md `sub_order`).' },
  ),
);
export type SubOrder = Static<typeof SubOrder>;

export const PaymentOrder = Type.Object(
  {
    mer_reference_id: Type.String(),
    mer_date: Type.String({ pattern: '^\\d{8}$' }),
    order_summary: Type.Optional(Type.String()),
    user_ip: Type.Optional(Type.String()),
    sub_orders: Type.Array(refTo(SubOrder)),
    amount: refTo(OrderAmount),
    expire_time: Type.String({ pattern: CHINA_TIME_PATTERN, description: 'The payment deadline, China time.' }),
  },
  { description: 'The order (objs.md `order`), with the CNY amount and the locked rate.' },
);
export type PaymentOrder = Static<typeof PaymentOrder>;

export const Payment = shared(
  Type.Object(
    {
      id: Type.String({ pattern: '^PAY_[A-Z0-9]+$', description: 'The payment id.', examples: [SAMPLE_ID] }),
      state: stringEnum(PAYMENT_STATES, {
        description:
          'WAIT_BUYER_PAY (to be paid), TRADE_SUCCESS (paid), TRADE_CLOSED (expired unpaid), TRADE_CANCEL ' +
          '(cancelled), TRADE_FAIL (failed).',
      }),
      payer: PaymentPayer,
      order: PaymentOrder,
      notify_url: Type.String(),
      created_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      mer_check_date: Type.String({
        pattern: '^\\d{8}$',
        description: 'The merchant date the payment is listed under in the transactions and statements.',
      }),
      ret_url: Type.Optional(Type.String()),
      execute_success_time: Type.Optional(
        Type.String({ pattern: CHINA_TIME_PATTERN, description: 'When the payer paid.' }),
      ),
      settle_date: Type.Optional(
        Type.String({ pattern: '^\\d{8}$', description: 'The platform date of the payment.' }),
      ),
      error: Type.Optional(refTo(RetError, { description: 'Why a TRADE_FAIL / TRADE_CLOSED payment failed.' })),
      paid_with: Type.Optional(
        stringEnum(PAYMENT_METHODS, { description: 'The method the payer used, when it is not payment_method.' }),
      ),
      links: Type.Array(refTo(Link), {
        description:
          '`self` first; then `sms_verify` (card, before verify) or `confirm` (after verify); `refund` and ' +
          '`apply_to_customs` once paid; web payments: `self`, `refund`, `apply_to_customs`, `upay` (the hosted ' +
          'checkout).',
      }),
    },
    {
      $id: 'Payment',
      description: 'A payment (objs.md `payment`). Card data never appears, only the last four digits.',
      examples: [
        {
          id: SAMPLE_ID,
          state: 'WAIT_BUYER_PAY',
          payer: {
            payment_method: 'CREDIT_CARD',
            interface_type: 'SERVER_TO_SERVER',
            business_type: 'B2C',
            bank_code: 'CCB',
            payer_info: { phone: '13800138000' },
          },
          order: {
            mer_reference_id: 'ORDER-20260301-0001',
            mer_date: '20260301',
            sub_orders: [
              {
                mer_sub_reference_id: 'ORDER-20260301-0001-1',
                trans_code: '01122030',
                is_customs: 'FALSE',
                amount: { total: '100.02', currency: 'USD' },
              },
            ],
            amount: {
              total: '100.02',
              currency: 'USD',
              total_cny: '712.48',
              exchange_rate: { rate: '7.1234', currency: 'USD' },
            },
            expire_time: '2026-03-01T18:00:00+08:00',
          },
          notify_url: 'https://shop.example/umf/notify',
          created_time: '2026-03-01T12:00:00+08:00',
          mer_check_date: '20260301',
          links: [
            exampleLink('self', 'GET', `/payments/payment/${SAMPLE_ID}`),
            exampleLink('sms_verify', 'POST', `/payments/payment/${SAMPLE_ID}/verify`),
          ],
        },
      ],
    },
  ),
);
export type Payment = Static<typeof Payment>;

// ---- answers ------------------------------------------------------------------------------------------

export const PaymentLinksAnswer = answer('PaymentLinksAnswer', "A payment and its links (the payment's own).", {
  payment: refTo(Payment),
  links: Links,
});
export type PaymentLinksAnswer = Static<typeof PaymentLinksAnswer>;

export const PaymentAnswer = answer('PaymentAnswer', 'A payment.', { payment: refTo(Payment) });
export type PaymentAnswer = Static<typeof PaymentAnswer>;

export const WechatOpenIdAnswer = answer('WechatOpenIdAnswer', 'The WeChat authorisation link (reference 3.15).', {
  links: Type.Array(refTo(Link), {
    description:
      "`links[0]` (`ref` `weChat`): open it in the payer's WeChat browser; WeChat then redirects to `notify_url` " +
      'with `open_id` and `state`.',
  }),
});
export type WechatOpenIdAnswer = Static<typeof WechatOpenIdAnswer>;

// ---- routes -------------------------------------------------------------------------------------------

const TAGS = ['Payments'];
const paymentId = idParams('The payment id (`payment.id`).', SAMPLE_ID);

export const createPaymentRoute = {
  summary: 'Create a payment',
  description:
    'Creates a payment (reference 3.2): a card payment to verify and execute, a WeChat / Alipay QR code ' +
    '(`payer_info.qr_code_scan.qr_code_url`), a WeChat JS-API or in-app `pay_info`, or a hosted checkout ' +
    '(`links[3]`, `upay`). Amounts are locked in CNY at the current rate. The same `mer_reference_id` and ' +
    `\`mer_date\` twice: ${codes('DUPLICATE_ORDER')}. Signed request; \`Idempotency-Key\` makes retries safe.`,
  tags: TAGS,
  operationId: 'createPayment',
  security: BEARER,
  body: refTo(CreatePaymentRequest),
  response: { 201: refTo(PaymentLinksAnswer), ...ERROR_RESPONSES },
};

export const getPaymentRoute = {
  summary: 'Query a payment',
  description:
    'The payment (reference 3.6); an unpaid payment past its `expire_time` is closed first (TRADE_CLOSED). Poll it ' +
    `(about once a second) for QR and checkout payments. Another merchant's payment: ${codes('PAYMENT_NOT_FOUND')}.`,
  tags: TAGS,
  operationId: 'getPayment',
  security: BEARER,
  params: paymentId,
  response: { 200: refTo(PaymentAnswer), ...ERROR_RESPONSES },
};

export const verifyPaymentRoute = {
  summary: 'Send the card for SMS verification',
  description:
    'Card payments (reference 3.3): the bank checks the card and the platform sends an SMS code to the phone; the ' +
    `answer's links hold \`confirm\` (execute). At most one code a minute (${codes('SMS_TOO_FREQUENT')}) and five ` +
    `per payment (${codes('SMS_TOO_MANY')}). Sandbox cards ending 0003 / 0004: ` +
    `${codes('CARD_EXPIRED', 'CARD_INFO_INCORRECT')}.`,
  tags: TAGS,
  operationId: 'verifyPayment',
  security: BEARER,
  params: paymentId,
  body: refTo(VerifyPaymentRequest),
  response: { 200: refTo(PaymentLinksAnswer), ...ERROR_RESPONSES },
};

export const executePaymentRoute = {
  summary: 'Execute a card payment',
  description:
    'Card payments (reference 3.4): with the SMS code, the bank debits the card. The answer is TRADE_SUCCESS, ' +
    'TRADE_FAIL (`error`, e.g. sandbox card 0002: 00060730) or still WAIT_BUYER_PAY when the bank answers later ' +
    '(sandbox card 0005); the final state is also notified.',
  tags: TAGS,
  operationId: 'executePayment',
  security: BEARER,
  params: paymentId,
  body: refTo(ExecutePaymentRequest),
  response: { 200: refTo(PaymentLinksAnswer), ...ERROR_RESPONSES },
};

export const wechatOpenIdRoute = {
  summary: 'Get a WeChat open_id link',
  description:
    "WECHAT_WEB payments need the payer's open_id (reference 3.15): open `links[0]` in the WeChat browser; " +
    'WeChat redirects to `notify_url?open_id=...&state=...`. Then create the payment with ' +
    '`payer_info.wechat_in_app_web.open_id`.',
  tags: TAGS,
  operationId: 'getWechatOpenIdLink',
  security: BEARER,
  querystring: Type.Object({
    notify_url: Type.String({
      maxLength: 512,
      description: 'Where WeChat sends the payer back with the open_id. An absolute http(s) URL.',
      examples: ['https://shop.example/wechat/open-id'],
    }),
  }),
  response: { 200: refTo(WechatOpenIdAnswer), ...ERROR_RESPONSES },
};
