/**
 * request-json.ts: the key normalisation every UMF body goes through (in place, on JSON.parse's
 * objects), as WIRE-NOTES.md describes the real clients.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { canonicalKey, normaliseKeys, parseJsonObject } from '../../src/http/request-json.ts';

const parse = (json: string) => parseJsonObject(Buffer.from(json));

test('camelCase, capitals and spaces around a key become the snake_case name; aliases fold', () => {
  assert.deepEqual(
    parse(
      '{"Payer":{"paymentMethod":"CREDIT_CARD","payerInfo":{"bankCard":{"lastFourCardId":"0001"}}},' +
        '"expire_time ":"30"}',
    ),
    {
      payer: { payment_method: 'CREDIT_CARD', payer_info: { bank_card: { last_four_cardid: '0001' } } },
      expire_time: '30',
    },
  );
  assert.equal(canonicalKey('item_quantity'), 'quantity');
  assert.equal(canonicalKey('busiAgreementId'), 'usr_busi_agreement_id');
});

test('objects inside arrays are normalised too', () => {
  assert.deepEqual(parse('{"subOrders":[{"merSubReferenceId":"A","items":[{"merItemId":"x"}]},"text",null]}'), {
    sub_orders: [{ mer_sub_reference_id: 'A', items: [{ mer_item_id: 'x' }] }, 'text', null],
  });
});

test('two spellings of one key: the snake_case one wins wherever it stands, else the first', () => {
  assert.deepEqual(parse('{"bankCode":"ICBC","bank_code":"CCB"}'), { bank_code: 'CCB' });
  assert.deepEqual(parse('{"bank_code":"CCB","bankCode":"ICBC"}'), { bank_code: 'CCB' });
  assert.deepEqual(parse('{"bankCode":"ICBC","BankCode":"ABC"}'), { bank_code: 'ICBC' });
});

test('__proto__ is dropped and never replaces a prototype', () => {
  const body = parse('{"__proto__":{"polluted":"yes"},"order":{"__proto__":{"x":1},"a":1}}');
  assert.deepEqual(Object.keys(body), ['order']);
  assert.equal(Object.getPrototypeOf(body), Object.prototype);
  assert.equal(Object.getPrototypeOf(body.order), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('the object given is the object returned, its canonical keys where they were', () => {
  const input = { b: 1, cC: 2, a: 3 };
  const out = normaliseKeys(input);
  assert.equal(out, input);
  assert.deepEqual(Object.keys(input), ['b', 'a', 'c_c']);
});

test('nesting deeper than 32 levels is refused', () => {
  const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
  assert.throws(() => parse(deep), /nested too deeply/);
});
