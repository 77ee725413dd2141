/**
 * POST /payments/payment input handling: the shapes real clients and the reference's samples send
 * are accepted; everything malformed is refused with a documented code from the catalogue, never a
 * 5xx, and creates nothing.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RET_CODES } from '../../src/errors/catalogue.ts';
import {
  startHarness,
  sampleOrder,
  type ApiResponse,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const DOCUMENTED = new Set(RET_CODES.map((e) => e.code));
const PHONE = '13800138000';

let seq = 0;
const ref = (label: string) =>
  `VAL${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

const clone = <T>(value: T): T => structuredClone(value);

/** Paths to every node of a JSON value (objects' members and arrays' elements), leaves first-class. */
function paths(
  value: unknown,
  prefix: Array<string | number> = [],
): Array<{ path: Array<string | number>; leaf: boolean }> {
  const out: Array<{ path: Array<string | number>; leaf: boolean }> = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const p = [...prefix, i];
      out.push({ path: p, leaf: v === null || typeof v !== 'object' }, ...paths(v, p));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, k];
      out.push({ path: p, leaf: v === null || typeof v !== 'object' }, ...paths(v, p));
    }
  }
  return out;
}

function setAt(root: any, path: Array<string | number>, value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = value;
}

for (const kind of testDatabaseUrls()) {
  describe(`create payment validation (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;

    const create = (body: unknown) => h.call(shop, 'POST', '/payments/payment', body);

    function created(res: ApiResponse): void {
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.meta.ret_code, '0000');
      assert.ok(h.verifies(res.text));
      assert.equal(res.json.payment.state, 'WAIT_BUYER_PAY');
      assert.deepEqual(
        res.json.payment.links.map((l: { rel: string }) => l.rel),
        ['self', 'sms_verify'],
      );
    }

    async function rejected(body: unknown, status: number, code: string): Promise<ApiResponse> {
      const before = await countPayments();
      const res = await create(body);
      assert.equal(res.json?.meta?.ret_code, code, res.text);
      assert.equal(res.status, status, res.text);
      assert.ok(DOCUMENTED.has(code));
      assert.ok(h.verifies(res.text), `signed: ${res.text}`);
      assert.equal(res.json.payment, undefined);
      assert.equal(await countPayments(), before, 'nothing created');
      return res;
    }

    async function countPayments(): Promise<number> {
      const rows = await h.gateway.context.db
        .selectFrom('payments')
        .select('id')
        .where('merchant_id', '=', shop.id)
        .execute();
      return rows.length;
    }

    /** A one-sub-order order in `currency`, for currency-specific cases. */
    function simpleOrder(id: string, currency: string, total: unknown): Record<string, unknown> {
      const base = sampleOrder(id) as { order: { mer_date: string } };
      return {
        payer: { payment_method: 'CREDIT_CARD', payer_info: { phone: PHONE } },
        order: {
          mer_reference_id: id,
          mer_date: base.order.mer_date,
          amount: { total, currency },
          sub_orders: [{ amount: { total, currency }, trans_code: '01121990' }],
        },
        notify_url: 'http://127.0.0.1:9/notify',
      };
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await h.merchant({ name: 'Validation Shop' });
    });
    after(async () => {
      await h?.close();
    });

    // ---- accepted shapes ------------------------------------------------------------------------

    test('the harness sample order is accepted as is', async () => {
      const id = ref('BASE');
      const res = await create(sampleOrder(id));
      created(res);
      assert.equal(res.json.payment.order.mer_reference_id, id);
      assert.equal(res.json.payment.order.amount.total, '100.02');
      assert.equal(res.json.payment.order.sub_orders[0].items[0].quantity, '2');
    });

    test('camelCase bankCard / payerAgreement (reference samples) are the snake_case fields', async () => {
      const id = ref('CAMEL');
      const order = sampleOrder(id, {
        payer: {
          payment_method: 'DEBIT_CARD',
          bank_code: 'CCB',
          payerInfo: { bankCard: { phone: PHONE }, payerAgreement: { agreement_id: '', busi_agreement_id: '' } },
        },
      });
      const res = await create(order);
      created(res);
      assert.equal(res.json.payment.payer.payment_method, 'DEBIT_CARD');
      assert.equal(res.json.payment.payer.payer_info.phone, PHONE);
      // And at verify: the reference's sample body, camelCase and all.
      const id2 = res.json.payment.id as string;
      const verify = await h.call(shop, 'POST', `/payments/payment/${id2}/verify`, {
        payer: {
          payer_info: {
            bankCard: {
              number: h.encrypt(shop, '6217000010000020001'),
              citizen_id_number: h.encrypt(shop, '11010519491231002X'),
              citizen_id_type: '1',
              payer_name: h.encrypt(shop, 'Li Si'),
              phone: PHONE,
              mer_cust_id: '',
            },
            payerAgreement: { agreement_id: '', busi_agreement_id: '' },
          },
        },
      });
      assert.equal(verify.status, 200, verify.text);
      assert.equal(verify.json.meta.ret_code, '0000');
      assert.deepEqual(
        verify.json.links.map((l: { rel: string }) => l.rel),
        ['self', 'confirm'],
      );
    });

    test('keys with a trailing space ("expire_time ") are the same field', async () => {
      const id = ref('SPACE');
      const body = JSON.stringify(
        sampleOrder(id, { 'notify_url ': 'http://127.0.0.1:9/spaced', notify_url: undefined }),
      )
        .replace('"expire_time":"360"', '"expire_time ":"30"')
        .replace('"mer_reference_id":', '"mer_reference_id ":');
      assert.ok(body.includes('"expire_time ":"30"'));
      const res = await create(body);
      created(res);
      assert.equal(res.json.payment.order.mer_reference_id, id);
      assert.equal(res.json.payment.notify_url, 'http://127.0.0.1:9/spaced');
      const createdAt = Date.parse(res.json.payment.created_time);
      const expireAt = Date.parse(res.json.payment.order.expire_time);
      assert.equal(expireAt - createdAt, 30 * 60_000, 'expire_time of 30 minutes was read');
    });

    test('item_quantity is quantity', async () => {
      const id = ref('QTY');
      const body = JSON.stringify(sampleOrder(id)).replace('"quantity":"2"', '"item_quantity":"3"');
      const res = await create(body);
      created(res);
      assert.equal(res.json.payment.order.sub_orders[0].items[0].quantity, '3');
    });

    test('numbers instead of strings for amounts and quantities', async () => {
      const id = ref('NUM');
      const order = sampleOrder(id) as any;
      order.order.amount.total = 100.02;
      order.order.sub_orders[0].amount.total = 50.02;
      order.order.sub_orders[0].items[0].amount.total = 30.02;
      order.order.sub_orders[0].items[0].quantity = 2;
      order.order.sub_orders[0].items[1].amount.total = 20;
      order.order.sub_orders[1].amount.total = 50;
      order.order.expire_time = 360;
      const res = await create(order);
      created(res);
      assert.equal(res.json.payment.order.amount.total, '100.02');
      assert.equal(res.json.payment.order.sub_orders[0].items[1].amount.total, '20.00');
      assert.equal(res.json.payment.order.sub_orders[0].items[0].quantity, '2');
      assert.equal(res.json.payment.order.sub_orders[1].amount.total, '50.00');
      const jpy = await create(simpleOrder(ref('JPYN'), 'JPY', 1000));
      created(jpy);
      assert.equal(jpy.json.payment.order.amount.total, '1000');
    });

    test(
      'unknown fields anywhere are ignored ' +
        '(sub_mer_id, risk_expand, acquiring_by_ump, business_type, user_ip, ...)',
      async () => {
        const id = ref('UNK');
        const order = sampleOrder(id, {
          sub_mer_id: 'SUB001',
          risk_expand: { level: 'HIGH', nested: [1, 2, { x: null }] },
          acquiring_by_ump: 'TRUE',
          payer: {
            payment_method: 'CREDIT_CARD',
            bank_code: 'CCB',
            interface_type: 'SERVER_TO_SERVER',
            business_type: 'B2C',
            external_customer_id: 'cust-42',
            user_ip: '10.0.0.1',
            payer_info: { phone: PHONE, nick_name: 'zz' },
          },
        }) as any;
        order.order.sub_orders[0].some_future_field = { a: 1 };
        order.order.sub_orders[0].items[0].sku = 'TEE-1';
        order.order.sub_mer_id = 'SUB002';
        const res = await create(order);
        created(res);
        assert.equal(res.text.includes('risk_expand'), false);
        assert.equal(res.text.includes('sub_mer_id'), false);
        assert.equal(res.json.payment.payer.business_type, 'B2C');
      },
    );

    test('keys named like Object.prototype members are plain unknown fields: ignored, nothing polluted', async () => {
      const id = ref('PROTO');
      const valid = JSON.stringify(sampleOrder(id));
      const body =
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}' +
        `,${valid.slice(1, -1).replace('"order":{', '"order":{"__proto__":{"x":1},"Constructor":"c",')}}`;
      const res = await create(body);
      created(res);
      assert.equal(res.json.payment.order.mer_reference_id, id);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      // A payer hidden in __proto__ is not a payer.
      const order = sampleOrder(ref('PROTO2'));
      const payer = order.payer;
      delete order.payer;
      await rejected(
        `{"__proto__":{"payer":${JSON.stringify(payer)}},${JSON.stringify(order).slice(1)}`,
        400,
        '00060700',
      );
    });

    test('a body with a UTF-8 BOM and Content-Type with a charset is accepted', async () => {
      const id = ref('BOM');
      const body = '\ufeff' + JSON.stringify(sampleOrder(id));
      const res = await h.call(shop, 'POST', '/payments/payment', body, {
        'content-type': 'application/json;charset=UTF-8',
      });
      created(res);
    });

    // ---- money ----------------------------------------------------------------------------------

    test('sub-orders that do not add up to the order -> 00060700', async () => {
      const order = sampleOrder(ref('SUBSUM')) as any;
      order.order.sub_orders[1].amount.total = '49.99';
      await rejected(order, 400, '00060700');
    });

    test('items that do not add up to their sub-order -> 00060700', async () => {
      const order = sampleOrder(ref('ITEMSUM')) as any;
      order.order.sub_orders[0].items[1].amount.total = '20.01';
      await rejected(order, 400, '00060700');
    });

    test('mixed currencies -> 00060700', async () => {
      const order = sampleOrder(ref('MIX')) as any;
      order.order.sub_orders[1].amount.currency = 'EUR';
      await rejected(order, 400, '00060700');
      const order2 = sampleOrder(ref('MIX2')) as any;
      order2.order.sub_orders[0].items[0].amount.currency = 'HKD';
      await rejected(order2, 400, '00060700');
    });

    test('three decimal places -> 00060700; trailing zeros are fine', async () => {
      await rejected(simpleOrder(ref('DEC3'), 'USD', '100.021'), 400, '00060700');
      await rejected(simpleOrder(ref('DEC3N'), 'USD', 100.021), 400, '00060700');
      created(await create(simpleOrder(ref('DEC0'), 'USD', '100.100')));
    });

    test('JPY "1000.50" -> 00202002 (JPY has no minor unit); "1000.00" is 1000', async () => {
      await rejected(simpleOrder(ref('JPY'), 'JPY', '1000.50'), 400, '00202002');
      await rejected(simpleOrder(ref('KRW'), 'KRW', '5.5'), 400, '00202002');
      const ok = await create(simpleOrder(ref('JPY0'), 'JPY', '1000.00'));
      created(ok);
      assert.equal(ok.json.payment.order.amount.total, '1000');
    });

    test('amount 0 -> 00202003', async () => {
      await rejected(simpleOrder(ref('ZERO'), 'USD', '0'), 400, '00202003');
      await rejected(simpleOrder(ref('ZERO2'), 'USD', '0.00'), 400, '00202003');
      await rejected(simpleOrder(ref('ZERO3'), 'USD', 0), 400, '00202003');
    });

    test('negative, exponent and non-numeric amounts -> 00060700', async () => {
      await rejected(simpleOrder(ref('NEG'), 'USD', '-1.00'), 400, '00060700');
      await rejected(simpleOrder(ref('NEGN'), 'USD', -1), 400, '00060700');
      await rejected(simpleOrder(ref('EXP'), 'USD', '1e3'), 400, '00060700');
      await rejected(simpleOrder(ref('EXPN'), 'USD', 1e21), 400, '00060700');
      await rejected(simpleOrder(ref('ABC'), 'USD', 'ten'), 400, '00060700');
    });

    test('a missing amount -> 00202001', async () => {
      const noTotal = sampleOrder(ref('NOTOTAL')) as any;
      delete noTotal.order.amount.total;
      await rejected(noTotal, 400, '00202001');
      const blank = sampleOrder(ref('BLANK')) as any;
      blank.order.amount.total = '';
      await rejected(blank, 400, '00202001');
      const noAmount = sampleOrder(ref('NOAMOUNT')) as any;
      delete noAmount.order.amount;
      await rejected(noAmount, 400, '00202001');
    });

    test('an unknown currency -> 00281017', async () => {
      await rejected(simpleOrder(ref('XYZ'), 'XYZ', '10.00'), 400, '00281017');
      const order = sampleOrder(ref('XYZSUB')) as any;
      order.order.sub_orders[1].amount.currency = 'ABC';
      await rejected(order, 400, '00281017');
    });

    test('a currency the merchant does not accept -> 00281017', async () => {
      const picky = await h.merchant({ name: 'USD only', currencies: ['USD'] });
      const res = await h.call(picky, 'POST', '/payments/payment', simpleOrder(ref('EURPICKY'), 'EUR', '10.00'));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.meta.ret_code, '00281017');
      assert.ok(h.verifies(res.text));
      const ok = await h.call(picky, 'POST', '/payments/payment', simpleOrder(ref('USDPICKY'), 'USD', '10.00'));
      assert.equal(ok.status, 201, ok.text);
    });

    // ---- order fields -----------------------------------------------------------------------------

    test('an unknown trans_code -> 00060700', async () => {
      const order = sampleOrder(ref('TRANS')) as any;
      order.order.sub_orders[0].trans_code = '99999999';
      await rejected(order, 400, '00060700');
      const missing = sampleOrder(ref('TRANS2')) as any;
      delete missing.order.sub_orders[1].trans_code;
      await rejected(missing, 400, '00060700');
    });

    test('a bad mer_date -> 00060700', async () => {
      for (const merDate of ['20231340', '2023-01-01', '2023011', '19991231', '20240230', 'today', '']) {
        const order = sampleOrder(ref('DATE')) as any;
        order.order.mer_date = merDate;
        await rejected(order, 400, '00060700');
      }
    });

    test('an expire_time in the past -> 00060751; zero or nonsense -> 00060700', async () => {
      const past = sampleOrder(ref('PAST')) as any;
      past.order.expire_time = new Date(h.clock.now() - 60_000).toISOString();
      await rejected(past, 409, '00060751');
      for (const value of ['0', '-5', 'soon', '2030-01-01', '2030-01-01T00:00:00']) {
        const order = sampleOrder(ref('EXPBAD')) as any;
        order.order.expire_time = value;
        await rejected(order, 400, '00060700');
      }
    });

    test('an invalid interface_type / payment_method combination -> 00060700', async () => {
      for (const payer of [
        { payment_method: 'CREDIT_CARD', interface_type: 'DIRECT_TO_BANK' },
        { payment_method: 'DEBIT_CARD', interface_type: 'DIRECT_TO_BANK' },
        { payment_method: 'CREDIT_CARD', interface_type: 'SERVER_TO_SERVER', business_type: 'B2B' },
        { payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_SERVER' },
        { payment_method: 'CREDIT_CARD', interface_type: 'SERVER_TO_NOWHERE' },
        { payment_method: 'CASH' },
        { interface_type: 'SERVER_TO_SERVER' },
      ]) {
        await rejected(
          sampleOrder(ref('COMBO'), { payer: { ...payer, payer_info: { phone: PHONE } } }),
          400,
          '00060700',
        );
      }
    });

    test('a missing or invalid notify_url -> 00060700', async () => {
      const order = sampleOrder(ref('NONOTIFY')) as any;
      delete order.notify_url;
      await rejected(order, 400, '00060700');
      for (const url of ['', 'not a url', 'ftp://example.com/x', 'javascript:alert(1)']) {
        await rejected(sampleOrder(ref('BADNOTIFY'), { notify_url: url }), 400, '00060700');
      }
    });

    test('an invalid phone -> 00060720; a bank that does not take the method -> 00200027', async () => {
      await rejected(
        sampleOrder(ref('PHONE'), { payer: { payment_method: 'CREDIT_CARD', payer_info: { phone: '12345' } } }),
        400,
        '00060720',
      );
      await rejected(
        sampleOrder(ref('BANK'), {
          payer: { payment_method: 'CREDIT_CARD', bank_code: 'NOSUCHBANK', payer_info: { phone: PHONE } },
        }),
        400,
        '00200027',
      );
    });

    // ---- the body itself ----------------------------------------------------------------------------

    test('a body that is not JSON -> 00060701', async () => {
      for (const body of ['{not json', '{"payer":', "{'payer':1}", 'payer=1&order=2', '\u0000\u0001']) {
        await rejected(body, 400, '00060701');
      }
    });

    test('a JSON body that is not an object (array, string, number, null, true) -> 00060701', async () => {
      for (const body of ['[]', JSON.stringify([sampleOrder(ref('ARR'))]), '"order"', '12', 'null', 'true']) {
        await rejected(body, 400, '00060701');
      }
    });

    test('an empty object or empty body -> 00060700', async () => {
      await rejected('{}', 400, '00060700');
      await rejected('', 400, '00060700');
    });

    test('a body over 256 KiB -> 413 00060702; just under the limit is read', async () => {
      const big = JSON.stringify(sampleOrder(ref('BIG'), { padding: 'x'.repeat(257 * 1024) }));
      const res = await create(big);
      assert.equal(res.status, 413, res.text);
      assert.equal(res.json.meta.ret_code, '00060702');
      assert.ok(h.verifies(res.text));
      const id = ref('ALMOST');
      const almost = JSON.stringify(sampleOrder(id, { padding: 'x'.repeat(250 * 1024) }));
      assert.ok(Buffer.byteLength(almost) < 256 * 1024);
      created(await create(almost));
    });

    test('deeply nested JSON -> a 4xx with a documented code', async () => {
      const depths = [40, 1000, 100_000];
      for (const depth of depths) {
        const nested = '['.repeat(depth) + ']'.repeat(depth);
        for (const body of [
          JSON.stringify(sampleOrder(ref('DEEP'))).slice(0, -1) + `,"deep":${nested}}`,
          `{"payer":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
          nested,
        ]) {
          const res = await create(body);
          assert.ok(res.status >= 400 && res.status < 500, `depth ${depth}: ${res.status} ${res.text}`);
          assert.ok(DOCUMENTED.has(res.json?.meta?.ret_code), res.text);
          assert.ok(h.verifies(res.text));
        }
      }
    });

    test(
      'wrong types everywhere: every node of a valid order replaced by null, 12, true, [], {}, "x" -> ' +
        '< 500 and a documented code',
      async () => {
        const template = sampleOrder('TEMPLATE');
        const nodes = paths(template);
        assert.ok(nodes.filter((n) => n.leaf).length >= 30, `${nodes.length} nodes`);
        const replacements: unknown[] = [null, 12, true, [], {}, 'x'];
        const failures: string[] = [];
        let accepted = 0;
        for (const { path } of nodes) {
          for (const replacement of replacements) {
            const id = ref('T');
            const body = clone(sampleOrder(id)) as any;
            setAt(body, path, clone(replacement));
            const res = await create(body);
            const code = res.json?.meta?.ret_code;
            const where = `${path.join('.')} = ${JSON.stringify(replacement)}`;
            if (res.status >= 500 || !DOCUMENTED.has(code) || !h.verifies(res.text))
              failures.push(`${where}: ${res.status} ${res.text.slice(0, 300)}`);
            else if (code === '0000') {
              accepted++;
              if (res.status !== 201) failures.push(`${where}: 0000 with status ${res.status}`);
            } else if (res.status < 400) failures.push(`${where}: error ${code} with status ${res.status}`);
          }
        }
        assert.deepEqual(failures, []);
        assert.ok(accepted > 0 && accepted < nodes.length * replacements.length, `${accepted} accepted`);
      },
    );
  });
}
