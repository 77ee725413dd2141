/**
 * The request schemas accept what today's parsers accept and refuse what they refuse, with the same
 * return code. Every body goes the way it will go in the gateway: request-json.ts key normalisation
 * (parseJsonObject), then normaliseBody, then Ajv (Fastify's, with the UMF options and keywords), then
 * schemaErrorFormatter. Checked:
 *
 * - the reference's own sample bodies (api_reference_B2C.md 3.2, 3.3, 3.4, 3.7, 3.9, as published:
 *   camelCase `bankCard`, the key `"expire_time "`, `item_quantity`, numbers in the customs amounts,
 *   fields the reference never defines), the harness's sampleOrder, and WIRE-NOTES.md's variants
 *   (numbers for amounts and quantities, camelCase keys, lower-case enums, unknown fields, the three
 *   refund shapes and the `refund` / `customs_declaration` wrappers, expire_time in minutes or ISO);
 * - broken bodies, one fault each, against today's parser run on the same body: same code;
 * - generated ones (fast-check): a valid body with one field replaced by any JSON value, dropped or
 *   renamed. Whenever the schema refuses, today's parser refuses with the same code; whenever today's
 *   parser accepts, the schema accepts and the parser reads the normalised body the same way;
 * - the query strings (dates, pages, bank type, currencies) against http/report-query.ts;
 * - the whole path in a Fastify app (helpers/schema-app.ts): a camelCase body reaches the handler
 *   normalised, a refused one answers the UMF error.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';

import { parseJsonObject } from '../../src/http/request-json.ts';
import { UmfError } from '../../src/errors/catalogue.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import { toUmf } from '../../src/http/error-codes.ts';
import { parseCreatePayment } from '../../src/payments/payment-request.ts';
import { parseRefundRequest } from '../../src/refunds/refund-request.ts';
import { parseCustomsRequest } from '../../src/customs/customs-request.ts';
import { dateParam, pageParams } from '../../src/http/report-query.ts';
import { parseRate } from '../../src/money/decimal.ts';
import {
  CreatePaymentRequest,
  ExecutePaymentRequest,
  VerifyPaymentRequest,
  wechatOpenIdRoute,
} from '../../src/payments/payment-schemas.ts';
import { CreateRefundRequest } from '../../src/refunds/refund-schemas.ts';
import { CreateCustomsDeclarationRequest, customsDownloadRoute } from '../../src/customs/customs-schemas.ts';
import { TokenRequest } from '../../src/oauth/oauth-schemas.ts';
import { listTransactionsRoute } from '../../src/reports/transaction-schemas.ts';
import { reconciliationStatementRoute } from '../../src/settlement/reconciliation-schemas.ts';
import { exchangeRatesRoute, listBanksRoute } from '../../src/reference/reference-schemas.ts';
import { sampleOrder } from '../helpers/gateway-harness.ts';
import { declarationBody } from '../helpers/customs.ts';
import { refundBody } from '../helpers/refunds.ts';
import { validateBody, type Outcome } from '../helpers/ajv.ts';
import { buildSchemaApp } from '../helpers/schema-app.ts';

const RUNS = Number(process.env['UMF_PROPERTY_RUNS'] ?? 300);
const NOW = Date.now();
const TODAY = new Date(NOW + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');

// ---- the parsers of today, on a key-normalised body ------------------------------------------------

type Parsed = { ok: true; value: unknown } | { ok: false; code: string; detail: string | undefined };

/** JSON of a verdict for messages (drafts hold bigints). */
const show = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 300) ?? 'undefined';

function attempt(parse: () => unknown): Parsed {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (!(error instanceof UmfError) && !(error instanceof DomainError)) throw error;
    const umf = toUmf(error);
    return { ok: false, code: umf.retCode, detail: umf.detail };
  }
}

const parsers = {
  payment: (body: Record<string, unknown>) => parseCreatePayment(body, { now: NOW, defaultExpireMinutes: 360 }),
  refund: (body: Record<string, unknown>) => parseRefundRequest(body, 'USD'),
  customs: (body: Record<string, unknown>) =>
    parseCustomsRequest(body, { currency: 'USD', rate: parseRate('7.1234')! }),
};
type Kind = keyof typeof parsers;
const SCHEMAS: Record<Kind, object> = {
  payment: CreatePaymentRequest,
  refund: CreateRefundRequest,
  customs: CreateCustomsDeclarationRequest,
};

/** A body as the gateway reads it off the wire: JSON bytes, then request-json.ts. */
function wire(raw: unknown): Record<string, unknown> {
  return parseJsonObject(Buffer.from(JSON.stringify(raw)));
}

interface Verdict {
  readonly schema: Outcome;
  readonly today: Parsed;
}

function judge(kind: Kind, raw: unknown): Verdict {
  const body = wire(raw);
  return { schema: validateBody(SCHEMAS[kind], body), today: attempt(() => parsers[kind](structuredClone(body))) };
}

/**
 * The schema is never stricter than today's parser, refuses with its code, and normalising keeps the
 * meaning: what the parser reads off the normalised body is what it reads off the body as sent.
 */
function assertAgree(kind: Kind, raw: unknown, what = JSON.stringify(raw).slice(0, 300)): Verdict {
  const verdict = judge(kind, raw);
  const { schema, today } = verdict;
  if (!schema.ok) {
    assert.equal(
      today.ok,
      false,
      `${kind}: the schema refuses (${schema.code} ${schema.detail}) what today accepts: ${what}`,
    );
    if (!today.ok)
      assert.equal(
        schema.code,
        today.code,
        `${kind}: schema ${schema.code} "${schema.detail}" vs today ${today.code} "${today.detail}": ${what}`,
      );
  } else if (today.ok) {
    const again = attempt(() => parsers[kind](structuredClone(schema.body)));
    assert.deepEqual(again, today, `${kind}: the normalised body means the same: ${what}`);
  }
  return verdict;
}

/** Accepted by the schema and by today's parser. */
function assertAccepted(kind: Kind, raw: unknown): void {
  const { schema, today } = assertAgree(kind, raw);
  assert.ok(schema.ok, `${kind}: the schema accepts it: ${show(schema)}`);
  assert.ok(today.ok, `${kind}: today's parser accepts it: ${show(today)}`);
}

/** Refused by both, with `code` (and the schema's detail, when given). */
function assertRefused(kind: Kind, raw: unknown, code: string, detail?: string): void {
  const { schema, today } = assertAgree(kind, raw);
  assert.equal(schema.ok, false, `${kind}: the schema refuses (today: ${show(today)}) ${show(raw)}`);
  assert.equal(today.ok ? 'accepted' : today.code, code, 'today');
  if (!schema.ok) {
    assert.equal(schema.code, code);
    if (detail !== undefined) assert.equal(schema.detail, detail);
  }
}

// ---- bodies -------------------------------------------------------------------------------------------

/** Reference 3.2's sample, as published (only mer_date moved to today: it must be within 40 days). */
const REFERENCE_CREATE = {
  payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { bankCard: { phone: '15210838198' } } },
  order: {
    mer_reference_id: '20170411543977',
    mer_date: TODAY,
    amount: { total: '100.02', currency: 'USD' },
    order_summary: 'maimaimai',
    'expire_time ': '360',
    sub_orders: [
      {
        mer_sub_reference_id: '04115439771',
        amount: { total: '50.02', currency: 'USD' },
        trans_code: '01121990',
        sub_trans_type: '1',
        is_customs: 'TRUE',
        items: [
          {
            mer_item_id: '041154397711',
            type: 'FOOD',
            name: 'yifu1',
            description: 'yifu1',
            item_quantity: '2',
            amount: { total: '30.02', currency: 'USD' },
          },
          {
            mer_item_id: '041154397712',
            type: 'ELECTRONIC',
            name: 'yifu2',
            description: 'yifu2',
            item_quantity: '3',
            amount: { total: '20.00', currency: 'USD' },
          },
        ],
      },
      {
        mer_sub_reference_id: '04115439772',
        amount: { total: '50.00', currency: 'USD' },
        trans_code: '03223010',
        sub_trans_type: '3',
      },
    ],
  },
  notify_url: 'http://10.10.81.127:8080/spay_rest/payments/test/mer',
  risk_info: { trans_type: '02', goods_type: '1', real_name: '0', business_type: 'Y' },
};

/** Reference 3.3's sample (the ciphertexts shortened). */
const REFERENCE_VERIFY = {
  payer: {
    payer_info: {
      bankCard: {
        number: 'TRP7vS5yHoMa3V1vWIn4fJlZTPVGmuxWRyoGqQIrAyqJVfYk03sEwVwktg1IyQjHqexQt71Qv1hCszQqKR68YK=',
        citizen_id_number: 'qXhTKG5nkeEC10GHiPiV3iqkMHawRpWXQ0ln3b+RxfRQKBeea+Ex9XiPSrxF/VORuMHA2x=',
        citizen_id_type: '1',
        payer_name: 'lb3812wHxk6tC8H3/7Un5HubqhDv76D7JGne/DwDVoJjqSe+lW+A7TrhJGzL+M87dfz0BM=',
        phone: '15012345678',
        valid_date: 'BcF2VPrCmMZoZo1ui4MRPgh1/OPFsNl7rgZCCMvG7wYbKV7vk5bNtreGlz84+0Fzs2=',
        cvv2: 'OoClPlildcQa0C6OVNRM/XjJ7LFJyiNBhR9bFzMxQ9VtwJyH6S+KRvYDKCScO2joNd=',
        mer_cust_id: '',
      },
      payerAgreement: { agreement_id: '', busi_agreement_id: '' },
    },
  },
};

/** Reference 3.4's sample. */
const REFERENCE_EXECUTE = {
  payer: {
    payer_info: {
      bankCard: {
        number: 'Wr8Vt44OCPPQCD+CEzIOf6QbBTSe1QRgQ1i1wSdepRrvICcRINjkyh2Uy6u+mTht3Z=',
        citizen_id_number: 'YUYrvncYAAo4p3VgaWjI3QT1aki+DoKjA1/iW+ZvF4gITSaApdSnZ9VigUPBC2=',
        citizen_id_type: '1',
        payer_name: 'Zar1j61YD5uPDX3IAwHw5oWPYU6oSoOTanIp24lL9/7Rvk+SGc/sgtGc42qCoI=',
        phone: '18710129807',
        external_customer_id: '',
        verify_code: '505976',
      },
      payerAgreement: { usr_busi_agreement_id: '', usr_pay_agreement_id: '' },
    },
  },
};

/** Reference 3.7's sample (the refund's own number and date). */
const REFERENCE_REFUND = {
  org_amount: { total: '100.02', currency: 'USD' },
  orders: [
    {
      mer_reference_id: '9010040125',
      mer_date: '20170425',
      amount: { total: '100.02', currency: 'USD' },
      sub_orders: [
        {
          mer_sub_reference_id: '04245435028',
          amount: { total: '50.02', currency: 'USD' },
          trans_code: '01121990',
          sub_trans_type: '1',
          is_customs: 'FALSE',
          items: [
            {
              mer_item_id: '042454350281',
              type: 'CLOTHING',
              name: '服装',
              description: '服装',
              item_quantity: '2',
              amount: { total: '30.02', currency: 'USD' },
            },
            {
              mer_item_id: '042454350282',
              type: 'ELECTRONIC',
              name: '电子产品',
              description: '电子产品',
              item_quantity: '3',
              amount: { total: '20.00', currency: 'USD' },
            },
          ],
        },
        {
          mer_sub_reference_id: '04245435029',
          amount: { total: '50.00', currency: 'USD' },
          trans_code: '03223010',
          sub_trans_type: '3',
        },
      ],
    },
  ],
};

/** Reference 3.9's sample: amounts as JSON numbers, in CNY. */
const REFERENCE_CUSTOMS = {
  customs_id: 'NB',
  mer_customs_code: '2342362435435',
  freight_amount: { total: 344.91, total_cny: 344.91, currency: 'CNY' },
  tax_amount: { total: 0, total_cny: 0, currency: 'CNY' },
  sub_order_amount: { total: 344.91, total_cny: 344.91, currency: 'CNY' },
  ec_plat_id: '2342362435435',
  notify_url: 'https://www.abcd.com/api/ump-notify',
  sub_order: {
    mer_sub_reference_id: '04185439116',
    items: [{ mer_item_id: '041854391161' }, { mer_item_id: '041854391162' }],
  },
};

/** A wallet payment with one sub-order and one item, for the variants. */
function walletOrder(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    payer: { payment_method: 'WECHAT_SCAN' },
    order: {
      mer_reference_id: 'W-1',
      mer_date: TODAY,
      amount: { total: '100.02', currency: 'USD' },
      sub_orders: [
        {
          mer_sub_reference_id: 'W-1-1',
          amount: { total: '100.02', currency: 'USD' },
          trans_code: '01122030',
          items: [
            { mer_item_id: 'tee', type: 'CLOTHING', quantity: '2', amount: { total: '100.02', currency: 'USD' } },
          ],
        },
      ],
    },
    notify_url: 'https://shop.example/n',
    ...overrides,
  };
}

/** Changes a copy of `body` at `path` (the last key: set, or delete when value is undefined). */
function changed(body: unknown, path: readonly (string | number)[], value: unknown): any {
  const copy = structuredClone(body) as any;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  if (value === undefined) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
  return copy;
}

// ---- the tests ------------------------------------------------------------------------------------------

describe('request schemas', () => {
  test("the reference's sample bodies pass (normalised)", () => {
    assertAccepted('payment', REFERENCE_CREATE);
    assertAccepted('refund', REFERENCE_REFUND);
    assertAccepted('customs', REFERENCE_CUSTOMS);
    for (const [schema, body] of [
      [VerifyPaymentRequest, REFERENCE_VERIFY],
      [ExecutePaymentRequest, REFERENCE_EXECUTE],
    ] as const) {
      const outcome = validateBody(schema, wire(body));
      assert.ok(outcome.ok, JSON.stringify(outcome));
    }
    // The bodies the SDK's verifyCard, verifyAgreement and execute send (resources/payments.ts).
    for (const [schema, body] of [
      [
        VerifyPaymentRequest,
        { payer: { payer_info: { phone: '13800138000', bank_card: { number: 'x', payer_name: 'y' } } } },
      ],
      [
        VerifyPaymentRequest,
        { payer: { payer_info: { payer_agreement: { usr_busi_agreement_id: 'U', usr_pay_agreement_id: 'P' } } } },
      ],
      [VerifyPaymentRequest, { payer_info: { bank_card: { number: 'x' } } }],
      [
        ExecutePaymentRequest,
        { payer: { payer_info: { verify_code: '505976', bank_card: { verify_code: '505976' } } } },
      ],
      [ExecutePaymentRequest, { verify_code: 505976 }],
    ] as const) {
      const outcome = validateBody(schema, wire(body));
      assert.ok(outcome.ok, JSON.stringify(outcome));
    }
    // What Ajv saw of 3.2: the trailing-space key, bankCard and item_quantity under their names.
    const seen = validateBody(CreatePaymentRequest, wire(REFERENCE_CREATE));
    assert.ok(seen.ok);
    assert.equal(seen.body.order.expire_time, '360');
    assert.equal(seen.body.payer.payer_info.bank_card.phone, '15210838198');
    assert.equal(seen.body.order.sub_orders[0].items[0].quantity, '2');
    // What Ajv saw of 3.3: the blank agreement ids are gone.
    const verify = validateBody(VerifyPaymentRequest, wire(REFERENCE_VERIFY));
    assert.ok(verify.ok);
    assert.deepEqual(verify.body.payer.payer_info.payer_agreement, {});
  });

  test("the harness's sampleOrder and the test helpers' bodies pass", () => {
    assertAccepted('payment', sampleOrder('SAMPLE-1'));
    for (const shape of ['order', 'orders', 'refund_info'] as const)
      assertAccepted('refund', refundBody(shape, { total: '30.02', orgAmount: { total: '100.02', currency: 'USD' } }));
    assertAccepted('customs', declarationBody('SUB-1'));
  });

  test('WIRE-NOTES variants pass: numbers, camelCase, lower-case enums, unknown fields, both expire_time forms', () => {
    const numbers = walletOrder();
    numbers.order.amount.total = 100.02;
    numbers.order.sub_orders[0].amount.total = 100.02;
    numbers.order.sub_orders[0].items[0].quantity = 2;
    numbers.order.mer_date = Number(TODAY);
    assertAccepted('payment', numbers);
    assertAccepted('payment', {
      payer: { paymentMethod: 'wechat_scan', interfaceType: 'direct_to_bank', businessType: 'b2c', userIp: '1.2.3.4' },
      order: {
        merReferenceId: 'CAMEL-1',
        merDate: TODAY,
        amount: { total: '100.02', Currency: 'usd' },
        expireTime: new Date(NOW + 2 * 86_400_000).toISOString(),
        subOrders: [
          {
            merSubReferenceId: 'CAMEL-1-1',
            amount: { total: '100.02', currency: 'USD' },
            transCode: '01122030',
            isCustoms: 'true',
            items: [
              { merItemId: 'x', type: 'electronics', itemQuantity: 1, amount: { total: '100.02', currency: 'USD' } },
            ],
          },
        ],
      },
      notifyUrl: 'https://shop.example/n',
    });
    assertAccepted(
      'payment',
      walletOrder({
        sub_mer_id: 'S1',
        user_ip: '1.2.3.4',
        acquiring_by_ump: 'Y',
        risk_expand: { anything: [1, 2] },
        payer: { payment_method: 'WECHAT_SCAN', external_customer_id: 'C1', interface_type: 'SERVER_TO_SERVER' },
      }),
    );
    assertAccepted('payment', changed(walletOrder(), ['order', 'expire_time'], ' 30 '));
    assertAccepted('payment', changed(walletOrder(), ['order', 'sub_orders', 0, 'is_customs'], true));
    assertAccepted('payment', changed(walletOrder(), ['order', 'sub_orders', 0, 'is_customs'], 'n'));
    assertAccepted('payment', changed(sampleOrder('P-86'), ['payer', 'payer_info', 'phone'], '+86 138-0013-8000'));
    assertAccepted('payment', changed(sampleOrder('P-BANK'), ['payer', 'bank_code'], 'ccb'));
    // Each payment method's payer as the SDK sends it (no citizen id: it is optional everywhere).
    for (const payer of [
      { payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } } },
      { payment_method: 'WECHAT_IN_APP', payer_info: { wechat_in_app: {} } },
      { payment_method: 'ALIPAY_SCAN', payer_info: { qr_code_scan: { citizen_id_type: 'IDENTITY_CARD' } } },
      { payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_H5WEB', business_type: 'B2C' },
    ])
      assertAccepted('payment', walletOrder({ payer }));
    // Blank values count as absent.
    assertAccepted('payment', changed(walletOrder(), ['order', 'order_summary'], '   '));
    assertAccepted('payment', changed(walletOrder(), ['ret_url'], null));
  });

  test('the three refund shapes, the refund wrapper, numbers; the customs wrapper', () => {
    const order = { mer_reference_id: 'F-1', mer_date: TODAY, amount: { total: 30.02, currency: 'usd' } };
    assertAccepted('refund', { order, notify_url: 'https://shop.example/r', parent_payment: 'PAY_1' });
    assertAccepted('refund', { refund_info: { ...order, refund_summary: 'back' }, parent_payment: 'PAY_1' });
    assertAccepted('refund', { org_amount: { total: '100.02', currency: 'USD' }, orders: [order] });
    assertAccepted('refund', { refund: { order } });
    assertAccepted('refund', { refund: { orders: [order] }, notify_url: 'not read: the wrapper wins' });
    assertAccepted('refund', {
      refundInfo: { ...order, subOrders: [{ amount: { total: '30.02', currency: 'USD' } }] },
    });
    assertAccepted('customs', { customs_declaration: declarationBody('SUB-1') });
    assertAccepted('customs', { customsDeclaration: { ...declarationBody('SUB-1'), customsId: 'nb' } });
  });

  test("broken bodies fail with the code today's parser gives", () => {
    const card = sampleOrder('BROKEN');
    const items = ['order', 'sub_orders', 0, 'items'];
    const cases: Array<[Kind, unknown, string, string?]> = [
      ['payment', changed(card, ['payer'], undefined), '00060700', 'payer is required'],
      ['payment', changed(card, ['payer'], 'CREDIT_CARD'), '00060700', 'payer must be an object'],
      ['payment', changed(card, ['payer', 'payment_method'], 'CASH'), '00060700'],
      ['payment', changed(card, ['payer', 'bank_code'], 'NOBANK'), '00200027'],
      ['payment', changed(card, ['payer', 'payer_info', 'phone'], '555-1234'), '00060720'],
      ['payment', changed(card, ['order', 'amount'], undefined), '00202001', 'order.amount is required'],
      ['payment', changed(card, ['order', 'amount'], ''), '00202001'],
      ['payment', changed(card, ['order', 'amount', 'total'], ' '), '00202001', 'order.amount.total is required'],
      ['payment', changed(card, ['order', 'amount', 'total'], '0'), '00202003'],
      ['payment', changed(card, ['order', 'amount', 'total'], '-1'), '00060700'],
      ['payment', changed(card, ['order', 'amount', 'currency'], 'XXX'), '00281017'],
      ['payment', changed(card, ['order', 'sub_orders', 1, 'amount', 'currency'], 'ABC'), '00281017'],
      ['payment', changed(card, ['order', 'mer_reference_id'], 'has space'), '00060700'],
      ['payment', changed(card, ['order', 'mer_reference_id'], 'x'.repeat(65)), '00060700'],
      ['payment', changed(card, ['order', 'mer_date'], '2026-03-01'), '00060700'],
      ['payment', changed(card, ['order', 'expire_time'], 'tomorrow'), '00060700'],
      ['payment', changed(card, ['order', 'sub_orders'], []), '00060700', 'order.sub_orders must be a non-empty array'],
      ['payment', changed(card, ['order', 'sub_orders', 0, 'trans_code'], '99999999'), '00060700'],
      ['payment', changed(card, ['order', 'sub_orders', 0, 'is_customs'], 'perhaps'), '00060700'],
      ['payment', changed(card, [...items, 0, 'type'], 'TOYS'), '00060700'],
      ['payment', changed(card, [...items, 0, 'quantity'], '0'), '00060700'],
      ['payment', changed(card, [...items, 0, 'quantity'], '1.5'), '00060700'],
      ['payment', changed(card, [...items, 0, 'name'], 'n'.repeat(257)), '00060700'],
      ['payment', changed(card, [...items, 1, 'amount'], undefined), '00202001'],
      ['payment', changed(card, items, 'tee'), '00060700', 'order.sub_orders[0].items must be an array'],
      ['payment', changed(card, ['notify_url'], undefined), '00060700', 'notify_url is required'],
      ['payment', changed(card, ['notify_url'], { url: 'x' }), '00060700', 'notify_url must be a string'],
      ['payment', changed(card, ['risk_info'], 'low'), '00060700'],
      ['payment', changed(card, ['order', 'order_summary'], { text: 'x' }), '00060700'],
      ['refund', { order: { mer_reference_id: 'F', mer_date: TODAY } }, '00202001', 'order.amount is required'],
      [
        'refund',
        { order: { mer_reference_id: 'F', mer_date: TODAY, amount: { total: '1', currency: 'EURO' } } },
        '00202011',
      ],
      [
        'refund',
        { order: { mer_reference_id: 'F', mer_date: TODAY, amount: { total: 'one', currency: 'USD' } } },
        '00202009',
      ],
      [
        'refund',
        { order: { mer_reference_id: 'F', mer_date: TODAY, amount: { total: true, currency: 'USD' } } },
        '00202009',
      ],
      [
        'refund',
        { order: { mer_reference_id: 'F', mer_date: TODAY, amount: { total: '0.00', currency: 'USD' } } },
        '00202003',
      ],
      ['refund', { refund_info: 'F' }, '00060700', 'refund_info must be an object'],
      ['refund', { orders: [] }, '00060700'],
      ['refund', { orders: [{}, {}] }, '00060700'],
      ['refund', {}, '00060700', 'order is required'],
      ['customs', changed(declarationBody('S'), ['customs_id'], 'XX'), '00202012'],
      ['customs', changed(declarationBody('S'), ['customs_id'], undefined), '00060700'],
      ['customs', changed(declarationBody('S'), ['sub_order'], undefined), '00202015'],
      ['customs', changed(declarationBody('S'), ['sub_order', 'mer_sub_reference_id'], ''), '00202015'],
      ['customs', changed(declarationBody('S'), ['sub_order', 'items'], []), '00202016'],
      ['customs', changed(declarationBody('S'), ['sub_order', 'items', 0], 'tee'), '00202016'],
      ['customs', changed(declarationBody('S'), ['sub_order', 'items', 1, 'mer_item_id'], null), '00202016'],
      ['customs', changed(declarationBody('S'), ['mer_customs_code'], 'a/b'), '00060700'],
      ['customs', changed(declarationBody('S'), ['tax_amount'], undefined), '00060700'],
      ['customs', changed(declarationBody('S'), ['tax_amount', 'currency'], 'XYZ'), '00060700'],
      ['customs', changed(declarationBody('S'), ['sub_order_amount', 'total'], 0), '00060700'],
    ];
    for (const [kind, body, code, detail] of cases) assertRefused(kind, body, code, detail);
  });

  test('refused by code only (semantic checks the schema leaves to it): the schema accepts', () => {
    const card = sampleOrder('SEMANTIC');
    const semantic: Array<[Kind, unknown, string]> = [
      ['payment', changed(card, ['order', 'amount', 'total'], '100.03'), '00060700'], // sub-orders add up to 100.02
      ['payment', changed(card, ['order', 'amount', 'total'], '100.025'), '00060700'], // USD has two decimals
      ['payment', changed(card, ['order', 'mer_date'], '20261399'), '00060700'], // no such day
      ['payment', changed(card, ['order', 'expire_time'], '2001-01-01T00:00:00Z'), '00060751'], // in the past
      // B2B is not valid with SERVER_TO_SERVER (the reference's table)
      ['payment', changed(card, ['payer', 'payment_method'], 'B2B_ONLINE_BANKING'), '00060700'],
      ['payment', changed(card, ['notify_url'], 42), '00060700'], // "42" is no URL
      [
        'refund',
        { order: { mer_reference_id: 'F', mer_date: TODAY, amount: { total: '1.001', currency: 'USD' } } },
        '00202009',
      ],
      // not the payment's currency (nor CNY)
      ['customs', changed(declarationBody('S'), ['freight_amount', 'currency'], 'EUR'), '00060700'],
      [
        'refund',
        { order: { mer_reference_id: 'F', mer_date: TODAY, amount: { total: '1', currency: 'EUR' } } },
        '00202011',
      ],
    ];
    for (const [kind, body, code] of semantic) {
      const { schema, today } = assertAgree(kind, body);
      assert.ok(schema.ok, `${kind}: the schema leaves it to the code: ${show(schema)}`);
      assert.equal(today.ok ? 'accepted' : today.code, code);
    }
  });

  test(`generated bodies: one field replaced, dropped or renamed (${RUNS} runs each)`, () => {
    const anyJson = fc.oneof(
      fc.constantFrom(
        null,
        true,
        false,
        0,
        -1,
        1.5,
        100.02,
        1e21,
        '',
        ' ',
        '0',
        '1',
        'TRUE',
        'usd',
        ' NB ',
        '20261301',
      ),
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const bases: Array<[Kind, unknown]> = [
      ['payment', sampleOrder('GEN-1')],
      ['payment', walletOrder()],
      ['refund', REFERENCE_REFUND],
      [
        'refund',
        refundBody('order', { total: '30.02', subOrders: [{ id: 'S1', total: '30.02', items: [{ total: '30.02' }] }] }),
      ],
      ['refund', { refund: refundBody('refund_info', { total: '1.00' }) }],
      ['customs', declarationBody('SUB-1')],
      ['customs', { customs_declaration: REFERENCE_CUSTOMS }],
    ];
    for (const [kind, base] of bases) {
      const paths: string[][] = [];
      const walk = (v: unknown, path: string[]) => {
        if (v && typeof v === 'object')
          for (const [k, child] of Object.entries(v)) {
            paths.push([...path, k]);
            walk(child, [...path, k]);
          }
      };
      walk(base, []);
      fc.assert(
        fc.property(
          fc.constantFrom(...paths),
          fc.constantFrom('replace', 'drop', 'rename'),
          anyJson,
          (path, op, value) => {
            // String() of an array is read as its text by two fields today (quantity [2] is "2", is_customs
            // ["Y"] is "Y"): the schema wants a string there (documented).
            if ((path.at(-1) === 'quantity' || path.at(-1) === 'is_customs') && Array.isArray(value)) return;
            const body =
              op === 'replace'
                ? changed(base, path, value)
                : op === 'drop'
                  ? changed(base, path, undefined)
                  : changed(
                      changed(base, [...path.slice(0, -1), `${path.at(-1)}_x`], pick(base, path)),
                      path,
                      undefined,
                    );
            assertAgree(kind, body, `${op} ${path.join('.')} = ${JSON.stringify(value)}`);
          },
        ),
        { numRuns: RUNS },
      );
    }
  });

  test('query strings: the same codes as http/report-query.ts and reference-routes.ts', () => {
    const query = (schema: object, q: Record<string, unknown>) => validateBody(schema, q, 'querystring');
    const transactions = listTransactionsRoute.querystring;
    const cases: Array<Record<string, unknown>> = [
      { mer_date: TODAY },
      { mer_date: ` ${TODAY} ` },
      { mer_date: '2026' },
      { mer_date: '' },
      { mer_date: [TODAY, TODAY] },
      {},
      { mer_date: TODAY, page_number: '2', page_size: '50' },
      { mer_date: TODAY, page_size: 'ten' },
      { mer_date: TODAY, page_size: '' },
      { mer_date: TODAY, page_number: '-1' },
    ];
    for (const q of cases) {
      const schema = query(transactions, q);
      const today = attempt(() => [dateParam(q, 'mer_date'), pageParams(q)]);
      if (!schema.ok) assert.equal(today.ok ? 'accepted' : today.code, schema.code, JSON.stringify(q));
      if (today.ok) assert.ok(schema.ok, `accepted today: ${JSON.stringify(q)}`);
    }
    const statement = reconciliationStatementRoute.querystring;
    assert.ok(query(statement, { mer_date: TODAY }).ok, 'the statement date may be named mer_date');
    assert.ok(query(statement, { settle_date: '', mer_date: TODAY }).ok, 'a blank settle_date counts as absent');
    assert.ok(query(customsDownloadRoute.querystring, { customs_date: TODAY }).ok);

    const banks = listBanksRoute.querystring;
    assert.ok(query(banks, {}).ok);
    assert.ok(query(banks, { type: ' debit_card ' }).ok);
    assert.deepEqual(query(banks, { type: 'CASH' }), {
      ok: false,
      code: '00060700',
      detail: 'type must be CREDIT_CARD or DEBIT_CARD',
    });
    // Today a repeated parameter crashes reference-routes.ts (`.trim` of an array: 00060999, HTTP 500).
    assert.deepEqual(query(banks, { type: ['CREDIT_CARD', 'DEBIT_CARD'] }), {
      ok: false,
      code: '00060700',
      detail: 'type must be a string',
    });
    const rates = exchangeRatesRoute.querystring;
    for (const currency of ['USD', 'usd, eur ,JPY', '', ' ']) assert.ok(query(rates, { currency }).ok, currency);
    for (const currency of ['XYZ', 'USD,', 'USD,,EUR', 'US D'])
      assert.equal((query(rates, { currency }) as { code?: string }).code, '00281017', currency);
    assert.ok(query(wechatOpenIdRoute.querystring, { notify_url: 'https://shop.example/o' }).ok);
    assert.equal((query(wechatOpenIdRoute.querystring, {}) as { code?: string }).code, '00060700');
  });

  test('the token request: JSON or form fields, grant_type checked', () => {
    assert.ok(validateBody(TokenRequest, { grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }).ok);
    assert.ok(validateBody(TokenRequest, { grant_type: ' client_credentials ' }).ok, 'Basic credentials');
    assert.ok(validateBody(TokenRequest, { grant_type: 'client_credentials', client_id: {} }).ok, 'read leniently');
    for (const grant_type of [undefined, 'password', 'CLIENT_CREDENTIALS', 1])
      assert.equal(
        (validateBody(TokenRequest, { grant_type }) as { code?: string }).code,
        '00280702',
        String(grant_type),
      );
  });
});

function pick(body: unknown, path: readonly string[]): unknown {
  let node = body as any;
  for (const key of path) node = node?.[key];
  return node;
}

describe('request schemas in a Fastify app', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildSchemaApp();
  });
  after(async () => app?.close());

  const post = (url: string, payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: `/cberest/v1${url}`, headers: { 'content-type': contentType }, payload });

  test('a camelCase body with numbers reaches the handler normalised', async () => {
    const res = await post(
      '/payments/payment',
      JSON.stringify({
        payer: { paymentMethod: 'credit_card', bankCode: 'ccb', payerInfo: { bankCard: { phone: '15210838198' } } },
        order: {
          merReferenceId: ' R-1 ',
          merDate: Number(TODAY),
          amount: { total: 100.02, currency: 'usd' },
          'expire_time ': 360,
          subOrders: [
            {
              amount: { total: 100.02, currency: 'USD' },
              transCode: '01122030',
              items: [{ itemQuantity: 2, amount: { total: 100.02, currency: 'USD' } }],
            },
          ],
        },
        notifyUrl: 'https://shop.example/n',
        subMerId: '',
      }),
    );
    assert.equal(res.statusCode, 200, res.body);
    const { body } = JSON.parse(res.body);
    assert.deepEqual(body.payer, {
      payment_method: 'CREDIT_CARD',
      bank_code: 'CCB',
      payer_info: { bank_card: { phone: '15210838198' } },
    });
    assert.equal(body.order.mer_reference_id, 'R-1');
    assert.equal(body.order.mer_date, TODAY);
    assert.deepEqual(body.order.amount, { total: '100.02', currency: 'USD' });
    assert.equal(body.order.expire_time, '360');
    assert.equal(body.order.sub_orders[0].items[0].quantity, '2');
    assert.equal(body.sub_mer_id, '', 'an unknown field is left as it is');
  });

  test('a refused body answers the UMF error: code, status, message naming the field', async () => {
    const res = await post('/payments/payment', JSON.stringify(changed(sampleOrder('R'), ['order', 'amount'], null)));
    assert.equal(res.statusCode, 400);
    const answer = JSON.parse(res.body);
    assert.deepEqual(answer.error, {
      ret_code: '00202001',
      ret_msg: 'The foreign currency amount of order must not be blank: order.amount is required',
    });
    assert.equal(answer.meta.ret_code, '00202001');
    const customs = await post(
      '/payments/payment/PAY_1/apply_to_customs',
      JSON.stringify({ ...declarationBody('S'), customs_id: 'QQ' }),
    );
    assert.equal(customs.statusCode, 400);
    assert.equal(JSON.parse(customs.body).meta.ret_code, '00202012');
    const query = await app.inject({ method: 'GET', url: '/cberest/v1/exchange_rate?currency=USD&currency=EUR' });
    assert.equal(query.statusCode, 400, query.body);
    assert.equal(JSON.parse(query.body).error.ret_msg, 'Data validation failure: currency must be a string');
  });

  test('the token request, as a form or as JSON', async () => {
    const form = await post(
      '/oauth/authorize',
      'grant_type=client_credentials&client_id=c&client_secret=s',
      'application/x-www-form-urlencoded',
    );
    assert.equal(form.statusCode, 200, form.body);
    const json = await post('/oauth/authorize', '{"grantType":"password"}');
    assert.equal(json.statusCode, 400, json.body);
    assert.equal(JSON.parse(json.body).meta.ret_code, '00280702');
  });
});
