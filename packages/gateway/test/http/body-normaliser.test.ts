/**
 * http/body-normaliser.ts: what it does to a key-normalised body, walking it alongside the schema
 * (properties, items, allOf / anyOf / oneOf, then / else, $refs to the shared schemas), in place, and
 * what it leaves alone.
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';

import { normaliseBody } from '../../src/http/body-normaliser.ts';
import { CreatePaymentRequest } from '../../src/payments/payment-schemas.ts';
import { CreateRefundRequest } from '../../src/refunds/refund-schemas.ts';
import { CreateCustomsDeclarationRequest } from '../../src/customs/customs-schemas.ts';
import { refTo } from '../../src/http/schema-registry.ts';

const Small = Type.Object({
  name: Type.Optional(Type.String()),
  count: Type.Optional(Type.Integer()),
  either: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  kind: Type.Optional(Type.Unsafe({ type: 'string', enum: ['CREDIT_CARD', 'DEBIT_CARD'] })),
  nested: Type.Optional(Type.Object({ code: Type.Optional(Type.String()) })),
  list: Type.Optional(Type.Array(Type.String())),
  free: Type.Optional(Type.Unsafe({ description: 'no type at all' })),
  nullable: Type.Optional(Type.Unsafe({ type: ['string', 'null'] })),
});

describe('normaliseBody', () => {
  test('trims strings where a string is expected', () => {
    const body = normaliseBody(Small, { name: '  Zhang San \t', nested: { code: ' X ' }, list: [' a ', 'b '] });
    assert.deepEqual(body, { name: 'Zhang San', nested: { code: 'X' }, list: ['a', 'b'] });
  });

  test('leaves a string alone where no string is expected', () => {
    assert.deepEqual(normaliseBody(Small, { free: '  x  ', count: ' 5 ' }), { free: '  x  ', count: ' 5 ' });
  });

  test('removes members that are null, "" or only whitespace', () => {
    const body = normaliseBody(Small, { name: null, kind: '', nested: { code: '   ' }, free: ' ', list: ['', null] });
    assert.deepEqual(body, { nested: {}, list: ['', null] }, 'array elements are not members');
  });

  test('keeps a whitespace-only value where no string is accepted, and null where null is', () => {
    assert.deepEqual(normaliseBody(Small, { nested: '  ', count: '' }), { nested: '  ' });
    assert.deepEqual(normaliseBody(Small, { nullable: null }), { nullable: null });
  });

  test('turns finite numbers into strings where a string (and no number) is expected', () => {
    assert.deepEqual(normaliseBody(Small, { name: 100.02, count: 3, either: 7, list: [1, 2.5] }), {
      name: '100.02',
      count: 3,
      either: 7,
      list: ['1', '2.5'],
    });
  });

  test('folds the case of a string whose upper-case form is an enum value, and only then', () => {
    assert.deepEqual(normaliseBody(Small, { kind: ' credit_card ' }), { kind: 'CREDIT_CARD' });
    assert.deepEqual(normaliseBody(Small, { kind: 'Debit_Card' }), { kind: 'DEBIT_CARD' });
    assert.deepEqual(normaliseBody(Small, { kind: 'cash' }), { kind: 'cash' }, 'Ajv says what is wrong with it');
    assert.deepEqual(normaliseBody(Small, { name: 'credit_card' }), { name: 'credit_card' }, 'no enum, no folding');
  });

  test('leaves members the schema does not describe as they are', () => {
    const body = normaliseBody(Small, { sub_mer_id: '  7  ', risk_expand: null, other: '' });
    assert.deepEqual(body, { sub_mer_id: '  7  ', risk_expand: null, other: '' });
  });

  test('works in place and returns the same object', () => {
    const body = { name: ' x ' };
    assert.equal(normaliseBody(Small, body), body);
    assert.equal(body.name, 'x');
  });

  test('follows $refs to the shared schemas, arrays of objects and enums inside allOf (a create-payment body)', () => {
    const body = normaliseBody(CreatePaymentRequest, {
      payer: { payment_method: 'credit_card', bank_code: ' ccb ', payer_info: { phone: ' 13800138000 ', name: '' } },
      order: {
        mer_reference_id: ' R1 ',
        mer_date: 20260301,
        amount: { total: 100.02, currency: 'usd' },
        expire_time: 360,
        user_ip: null,
        sub_orders: [
          {
            amount: { total: 100.02, currency: 'USD' },
            trans_code: 1122030,
            is_customs: 1,
            items: [{ type: 'electronics', quantity: 2, amount: { total: '100.02 ', currency: 'Usd' } }],
          },
        ],
      },
      notify_url: ' https://shop.example/n ',
    });
    assert.deepEqual(body, {
      payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { phone: '13800138000' } },
      order: {
        mer_reference_id: 'R1',
        mer_date: '20260301',
        amount: { total: '100.02', currency: 'USD' },
        expire_time: '360',
        sub_orders: [
          {
            amount: { total: '100.02', currency: 'USD' },
            trans_code: '1122030',
            is_customs: '1',
            items: [{ type: 'ELECTRONICS', quantity: '2', amount: { total: '100.02', currency: 'USD' } }],
          },
        ],
      },
      notify_url: 'https://shop.example/n',
    });
  });

  test('is_customs (a boolean or a string): booleans stay, strings fold, numbers become strings', () => {
    const sub = (is_customs: unknown) =>
      (normaliseBody(CreatePaymentRequest, { order: { sub_orders: [{ is_customs }] } }) as any).order.sub_orders[0]
        .is_customs;
    assert.equal(sub(true), true);
    assert.equal(sub('true'), 'TRUE');
    assert.equal(sub(' n '), 'N');
    assert.equal(sub(0), '0');
  });

  test('walks both branches of an if (the refund shapes, the {"refund":...} wrapper)', () => {
    const amount = { total: 30.02, currency: 'usd' };
    for (const shape of ['order', 'refund_info'] as const) {
      const body = normaliseBody(CreateRefundRequest, {
        [shape]: { mer_reference_id: ' F1 ', amount },
        notify_url: null,
      });
      assert.deepEqual(body, { [shape]: { mer_reference_id: 'F1', amount: { total: '30.02', currency: 'USD' } } });
    }
    const orders = normaliseBody(CreateRefundRequest, { orders: [{ mer_date: 20260302, amount }], org_amount: amount });
    assert.deepEqual(orders, {
      orders: [{ mer_date: '20260302', amount: { total: '30.02', currency: 'USD' } }],
      org_amount: { total: '30.02', currency: 'USD' },
    });
    const wrapped = normaliseBody(CreateRefundRequest, { refund: { order: { amount } } });
    assert.deepEqual(wrapped, { refund: { order: { amount: { total: '30.02', currency: 'USD' } } } });
  });

  test('the customs wrapper and the customs office code', () => {
    const body = normaliseBody(CreateCustomsDeclarationRequest, {
      customs_declaration: { customs_id: ' nb ', tax_amount: { total: 0, total_cny: 0, currency: 'cny' } },
    });
    assert.deepEqual(body, {
      customs_declaration: { customs_id: 'NB', tax_amount: { total: '0', total_cny: '0', currency: 'CNY' } },
    });
  });

  test('a $ref to a shared schema can be the schema itself', () => {
    const body = normaliseBody(refTo(CreatePaymentRequest), { notify_url: ' x ' });
    assert.deepEqual(body, { notify_url: 'x' });
  });

  test('an unknown $ref is a programming error', () => {
    assert.throws(
      () => normaliseBody(Type.Object({ a: Type.Unsafe({ $ref: 'Nowhere#' }) }), { a: 1 }),
      /unknown \$ref Nowhere#/,
    );
  });
});
