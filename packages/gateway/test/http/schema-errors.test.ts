/**
 * http/schema-errors.ts with real Ajv, built as Fastify builds it (@fastify/ajv-compiler, the UMF
 * options, the x-umf-code / x-umf-format keywords): the field path, today's wording for each kind of
 * failure, the return code from x-umf-code (for `required`: the missing property's own node), the
 * failure that decides under if/then/else and anyOf, and the plugin's check of the annotations.
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';

import { fieldPath, schemaErrorFormatter } from '../../src/http/schema-errors.ts';
import { UmfError } from '../../src/errors/catalogue.ts';
import { CreatePaymentRequest } from '../../src/payments/payment-schemas.ts';
import { CreateRefundRequest } from '../../src/refunds/refund-schemas.ts';
import { CreateCustomsDeclarationRequest } from '../../src/customs/customs-schemas.ts';
import { listBanksRoute } from '../../src/reference/reference-schemas.ts';
import { ajvWarnings, buildCompiler, validateBody } from '../helpers/ajv.ts';

const Small = Type.Object({
  name: Type.String({ maxLength: 5 }),
  kind: Type.Optional(Type.Unsafe({ type: 'string', enum: ['A', 'B', 'C'] })),
  date: Type.Optional(Type.String({ pattern: '^\\d{8}$' })),
  day: Type.Optional(Type.String({ pattern: '^\\d{8}$', 'x-umf-format': 'must be a date written YYYYMMDD' })),
  list: Type.Optional(Type.Array(Type.Object({ n: Type.String() }), { minItems: 1, maxItems: 2 })),
  some: Type.Optional(Type.Array(Type.String(), { minItems: 2 })),
  flag: Type.Optional(Type.Unsafe({ anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['Y', 'N'] }] })),
  coded: Type.Optional(
    Type.String({ maxLength: 3, pattern: '^x', 'x-umf-code': { pattern: 'PHONE_INVALID', required: 'AMOUNT_BLANK' } }),
  ),
  all: Type.Optional(Type.Object({ a: Type.String() }, { 'x-umf-code': 'CUSTOMS_SUB_ORDER_ABSENT' })),
});

/** The error of a body (normalised, then validated): "<code> <detail>". */
function errorOf(schema: object, body: unknown, dataVar?: string): string {
  const outcome = validateBody(schema, body, dataVar);
  assert.equal(outcome.ok, false, `refused: ${JSON.stringify(body)}`);
  return outcome.ok ? '' : `${outcome.code} ${outcome.detail}`;
}

describe('schemaErrorFormatter', () => {
  test('writes the field path with dots and [n]', () => {
    assert.equal(fieldPath('/order/sub_orders/1/amount/total'), 'order.sub_orders[1].amount.total');
    assert.equal(fieldPath('/order/sub_orders/0', 'amount'), 'order.sub_orders[0].amount');
    assert.equal(fieldPath('', 'payer'), 'payer');
    assert.equal(fieldPath('/a~1b/c~0d'), 'a/b.c~d');
  });

  test("today's wording for each kind of failure", () => {
    assert.equal(errorOf(Small, {}), '00060700 name is required');
    assert.equal(errorOf(Small, { name: {} }), '00060700 name must be a string');
    assert.equal(errorOf(Small, { name: 'abcdef' }), '00060700 name is longer than 5 characters');
    assert.equal(errorOf(Small, { name: 'a', kind: 'D' }), '00060700 kind must be one of A, B, C');
    assert.equal(errorOf(Small, { name: 'a', date: '2026' }), '00060700 date has an invalid format');
    assert.equal(errorOf(Small, { name: 'a', day: '2026' }), '00060700 day must be a date written YYYYMMDD');
    assert.equal(errorOf(Small, { name: 'a', list: [] }), '00060700 list must be a non-empty array');
    assert.equal(errorOf(Small, { name: 'a', list: {} }), '00060700 list must be an array');
    assert.equal(errorOf(Small, { name: 'a', list: [{ n: 'x' }, {}, {}] }), '00060700 list has more than 2 entries');
    assert.equal(errorOf(Small, { name: 'a', list: [{ n: 'x' }, 'y'] }), '00060700 list[1] must be an object');
    assert.equal(errorOf(Small, { name: 'a', list: [{ n: 'x' }, {}] }), '00060700 list[1].n is required');
    assert.equal(errorOf(Small, { name: 'a', some: ['x'] }), '00060700 some has fewer than 2 entries');
    assert.equal(errorOf(Small, { name: 'a', flag: 'maybe' }), '00060700 flag has an invalid format');
    assert.equal(errorOf(Small, [1]), '00060700 body must be an object');
    assert.equal(
      errorOf(listBanksRoute.querystring, { type: 'cash' }, 'querystring'),
      '00060700 type must be CREDIT_CARD or DEBIT_CARD',
    );
  });

  test('the code of x-umf-code: per keyword, for the whole node, and for a missing property its own', () => {
    assert.equal(errorOf(Small, { name: 'a', coded: 'y' }), '00060720 coded has an invalid format');
    assert.equal(errorOf(Small, { name: 'a', coded: 'xxxx' }), '00060700 coded is longer than 3 characters');
    assert.equal(errorOf(Small, { name: 'a', all: 'x' }), '00202015 all must be an object');
    assert.equal(errorOf(Small, { name: 'a', all: {} }), '00060700 all.a is required', "a's own node has no code");
  });

  test('a value of the wrong type is a type error, even where Ajv checks enum or not first', () => {
    const amount = Type.Object({
      currency: Type.Unsafe({ type: 'string', enum: ['USD'], 'x-umf-code': { enum: 'CURRENCY_NOT_ACCEPTED' } }),
      total: Type.Unsafe({ type: 'string', not: { pattern: '^0$' }, 'x-umf-code': { not: 'AMOUNT_NOT_POSITIVE' } }),
    });
    assert.equal(errorOf(amount, { currency: 'EUR', total: '1' }), '00281017 currency must be one of USD');
    assert.equal(errorOf(amount, { currency: {}, total: '1' }), '00060700 currency must be a string');
    assert.equal(errorOf(amount, { currency: 'USD', total: '0' }), '00202003 total has an invalid format');
    assert.equal(errorOf(amount, { currency: 'USD', total: [] }), '00060700 total must be a string');
  });

  test("create payment: the codes today's parser answers", () => {
    const body = {
      payer: { payment_method: 'WECHAT_SCAN' },
      order: {
        mer_reference_id: 'R1',
        mer_date: '20260301',
        amount: { total: '1.00', currency: 'USD' },
        sub_orders: [{ amount: { total: '1.00', currency: 'USD' }, trans_code: '01122030' }],
      },
      notify_url: 'https://shop.example/n',
    };
    const variant = (change: (b: any) => void) => {
      const copy = structuredClone(body) as any;
      change(copy);
      return errorOf(CreatePaymentRequest, copy);
    };
    assert.equal(validateBody(CreatePaymentRequest, body).ok, true);
    assert.equal(
      variant((b) => delete b.order.amount),
      '00202001 order.amount is required',
    );
    assert.equal(
      variant((b) => (b.order.amount.total = '')),
      '00202001 order.amount.total is required',
    );
    assert.equal(
      variant((b) => (b.order.amount.total = '0.00')),
      '00202003 order.amount.total must be larger than 0',
    );
    assert.equal(
      variant((b) => (b.order.amount.total = '1,00')),
      '00060700 order.amount.total must be a decimal amount like "100.02"',
    );
    assert.equal(
      variant((b) => (b.order.sub_orders[0].amount.currency = 'XYZ')),
      '00281017 order.sub_orders[0].amount.currency must be one of ' +
        'CNY, HKD, USD, EUR, JPY, GBP, AUD, CAD, NZD, SGD, KRW, CHF, SEK, DKK, NOK',
    );
    assert.equal(
      variant((b) => delete b.order.amount.currency),
      '00060700 order.amount.currency is required',
    );
    assert.equal(
      variant((b) => (b.payer.payment_method = 'CASH')).slice(0, 60),
      '00060700 payer.payment_method must be one of CREDIT_CARD, DE',
    );
    assert.equal(
      variant((b) => (b.payer.payer_info = { phone: '12345' })),
      '00060720 payer.payer_info.phone must be a mainland China mobile number',
    );
    assert.equal(
      variant((b) => (b.payer.bank_code = 'NOPE')),
      '00200027 payer.bank_code NOPE is not a bank of the platform (GET /bank lists them)',
    );
    assert.equal(
      variant((b) => (b.payer.bank_code = 'X'.repeat(21))),
      '00060700 payer.bank_code is longer than 20 characters',
    );
    assert.equal(
      variant((b) => (b.order.sub_orders[0].is_customs = 'maybe')),
      '00060700 order.sub_orders[0].is_customs must be TRUE or FALSE',
    );
  });

  test('refund: the shape that applies decides (if/then/else), and its codes', () => {
    const order = { mer_reference_id: 'F1', mer_date: '20260302', amount: { total: '1.00', currency: 'USD' } };
    assert.equal(validateBody(CreateRefundRequest, { order }).ok, true);
    assert.equal(errorOf(CreateRefundRequest, {}), '00060700 order is required');
    assert.equal(
      errorOf(CreateRefundRequest, { order: { ...order, mer_reference_id: 'a b' } }),
      '00060700 order.mer_reference_id has an invalid format',
    );
    assert.equal(
      errorOf(CreateRefundRequest, { refund_info: { ...order, amount: undefined } }),
      '00202001 refund_info.amount is required',
    );
    assert.equal(
      errorOf(CreateRefundRequest, { orders: [{ ...order, amount: { total: '1.00', currency: 'EURO' } }] }),
      '00202011 orders[0].amount.currency must be one of CNY, HKD, USD, EUR, JPY, GBP, AUD, CAD, NZD, SGD, KRW, CHF, ' +
        'SEK, DKK, NOK',
    );
    assert.equal(errorOf(CreateRefundRequest, { orders: [] }), '00060700 orders must be a non-empty array');
    assert.equal(
      errorOf(CreateRefundRequest, { refund: { order: { ...order, amount: { currency: 'USD', total: 'x' } } } }),
      '00202009 refund.order.amount.total must be a decimal amount like "100.02"',
    );
    // refund_info wins over order, whatever order holds.
    assert.equal(validateBody(CreateRefundRequest, { refund_info: order, order: 'anything' }).ok, true);
  });

  test('customs: the codes of the sub-order and its items', () => {
    const sub_order = { mer_sub_reference_id: 'S1', items: [{ mer_item_id: 'tee' }] };
    const amount = { total: '1.00', currency: 'USD' };
    const body = {
      customs_id: 'NB',
      mer_customs_code: 'C1',
      ec_plat_id: 'E1',
      freight_amount: amount,
      tax_amount: amount,
      sub_order_amount: amount,
      sub_order,
    };
    assert.equal(validateBody(CreateCustomsDeclarationRequest, body).ok, true);
    assert.equal(validateBody(CreateCustomsDeclarationRequest, { customs_declaration: body }).ok, true);
    const without = (key: string) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
    assert.equal(errorOf(CreateCustomsDeclarationRequest, without('sub_order')), '00202015 sub_order is required');
    assert.equal(
      errorOf(CreateCustomsDeclarationRequest, { ...body, sub_order: 'x' }),
      '00202015 sub_order must be an object',
    );
    assert.equal(
      errorOf(CreateCustomsDeclarationRequest, { ...body, sub_order: { items: sub_order.items } }),
      '00202015 sub_order.mer_sub_reference_id is required',
    );
    assert.equal(
      errorOf(CreateCustomsDeclarationRequest, { ...body, sub_order: { mer_sub_reference_id: 'S1', items: [] } }),
      '00202016 sub_order.items must be a non-empty array',
    );
    assert.equal(
      errorOf(CreateCustomsDeclarationRequest, { ...body, sub_order: { mer_sub_reference_id: 'S1', items: [{}] } }),
      '00202016 sub_order.items[0].mer_item_id is required',
    );
    assert.equal(
      errorOf(CreateCustomsDeclarationRequest, { customs_declaration: { ...body, customs_id: 'XX' } }),
      '00202012 customs_declaration.customs_id is not a customs office of the platform ' +
        '(one of HZ, NB, GZ, ZZ, CQ, SH, TJ, SZ, XA, FZ)',
    );
    assert.equal(
      errorOf(CreateCustomsDeclarationRequest, { ...body, customs_id: 'X'.repeat(17) }),
      '00060700 customs_id is longer than 16 characters',
    );
  });

  test('returns a UmfError Fastify can hand to the error handler; without verbose errors, VALIDATION', () => {
    const error = schemaErrorFormatter(
      [{ keyword: 'required', instancePath: '/order', params: { missingProperty: 'amount' } }],
      'body',
    );
    assert.ok(error instanceof UmfError);
    assert.equal(error.retCode, '00060700');
    assert.equal(error.message, 'Data validation failure: order.amount is required');
    assert.equal(schemaErrorFormatter([], 'body').retCode, '00060700');
  });

  test('the Ajv plugin declares the keywords and refuses a code that is not in the catalogue', () => {
    const compile = buildCompiler();
    assert.throws(() => compile({ schema: { type: 'string', 'x-umf-code': 'NO_SUCH_CODE' } }), /x-umf-code/);
    assert.throws(() => compile({ schema: { type: 'string', 'x-umf-code': { pattern: 42 } } }), /x-umf-code/);
    compile({ schema: { type: 'string', 'x-umf-code': { pattern: 'PHONE_INVALID' }, 'x-umf-format': 'x' } });
    assert.deepEqual(ajvWarnings, [], 'strict mode has nothing to say about the schemas');
  });
});
