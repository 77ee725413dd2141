// Wallet payments and the hosted checkout in the SDK: typed payments.create for QR, WeChat JS-API,
// WeChat in-app and hosted checkout; the helpers qrCodeUrl, payInfo, checkoutUrl,
// payInfoToJsApiParams, payInfoToAppPayReq, parseOpenIdRedirect, renderQrCode; client.wechat.openIdLink.
import test, { after, before, beforeEach, describe } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, privateDecrypt } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import {
  UmfApiError,
  UmfClient,
  UmfInvalidRequestError,
  checkoutUrl,
  openIdLinkState,
  parseOpenIdRedirect,
  payInfo,
  payInfoToAppPayReq,
  payInfoToJsApiParams,
  qrCodeUrl,
  renderQrCode,
} from '../src/index.ts';
import type { CreatePaymentParams, Link, PayInfo, Payment, PayerInput } from '../src/index.ts';
import { makeTestKeys } from './helpers/keys.ts';
import type { TestKeys } from './helpers/keys.ts';
import { CLIENT_ID, CLIENT_SECRET, PlatformDouble } from './helpers/platform.ts';
import type { RecordedRequest } from './helpers/platform.ts';

// ---- WeChat Pay v2 signing, written here from WeChat's documentation (independent of the gateway) ----

const API_KEY = '192006250b4c09247ec02edce69f6a2d';

function wechatMd5(params: Record<string, string>, key = API_KEY): string {
  const text = Object.keys(params)
    .filter((k) => params[k] !== '' && k !== 'sign' && k !== 'paySign')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(`${text}&key=${key}`, 'utf8').digest('hex').toUpperCase();
}

/** A JS-API pay_info as the platform issues it (pay_sign over appId, nonceStr, package, signType, timeStamp). */
function jsapiInfo(): PayInfo {
  const base = {
    appId: 'wx2421b1c4370ec43b',
    nonceStr: 'e61463f8efa94090b1f366cccfbbb444',
    package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
    signType: 'MD5',
    timeStamp: '1395712654',
  };
  return {
    app_id: base.appId,
    time_stamp: base.timeStamp,
    nonce_str: base.nonceStr,
    package: base.package,
    sign_type: 'MD5',
    pay_sign: wechatMd5(base),
  };
}

/** An APP pay_info (pay_sign over appid, noncestr, package, partnerid, prepayid, timestamp). */
function appInfo(): PayInfo {
  const base = {
    appid: 'wxb4ba3c02aa476ea1',
    noncestr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    package: 'Sign=WXPay',
    partnerid: '1900006771',
    prepayid: 'wx201410272009395522657a690389285100',
    timestamp: '1412000000',
  };
  return {
    app_id: base.appid,
    time_stamp: base.timestamp,
    nonce_str: base.noncestr,
    package: base.package,
    sign_type: 'MD5',
    pay_sign: wechatMd5(base),
    partner_id: base.partnerid,
    prepay_id: base.prepayid,
  };
}

const BASE = 'https://gateway.example';

function samplePayment(
  payer: Record<string, unknown>,
  links: Link[] = [{ ref: 'self', rel: 'self', method: 'GET', href: `${BASE}/cberest/v1/payments/payment/PAY_1` }],
): Payment {
  return {
    id: 'PAY_1',
    state: 'WAIT_BUYER_PAY',
    payer,
    order: { mer_reference_id: 'O1', mer_date: '20240101', amount: { total: '1.00', currency: 'USD' } },
    links,
  };
}

const qrPayment = () =>
  samplePayment({
    payment_method: 'WECHAT_SCAN',
    interface_type: 'SERVER_TO_SERVER',
    business_type: 'B2C',
    payer_info: { qr_code_scan: { qr_code_url: `${BASE}/sandbox/wallet/wechat/PAY_1?t=abc` } },
  });
const webLinks = (id = 'PAY_1'): Link[] => [
  { ref: 'self', rel: 'self', method: 'GET', href: `${BASE}/cberest/v1/payments/payment/${id}` },
  { ref: 'refund', rel: 'refund', method: 'POST', href: `${BASE}/cberest/v1/payments/payment/${id}/refund` },
  {
    ref: 'apply_to_customs',
    rel: 'apply_to_customs',
    method: 'POST',
    href: `${BASE}/cberest/v1/payments/payment/${id}/apply_to_customs`,
  },
  { ref: 'upay', rel: 'upay', method: 'GET', href: `${BASE}/checkout/${id}?t=tok` },
];

// ---- a small PNG reader (zlib + the five PNG filters) and an SVG path reader, to look at QR modules ----

function decodePng(png: Buffer): { width: number; height: number; dark(x: number, y: number): boolean } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      colorType = data[9]!;
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  assert.ok(channels, `supported colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const paeth = (): number => {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const predictor = [0, a, b, (a + b) >> 1, paeth()][filter];
      assert.ok(predictor !== undefined, `PNG filter ${filter}`);
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { width, height, dark: (x, y) => pixels[y * stride + x * channels]! < 128 };
}

/** Dark cells of qrcode's SVG: a stroke path of horizontal runs (M x y.5 / m dx dy / h len). */
function svgDarkCells(svg: string): { viewBox: number; dark: Set<string> } {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  assert.ok(viewBox && viewBox[1] === viewBox[2], `a square viewBox: ${svg.slice(0, 200)}`);
  const d = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg);
  assert.ok(d, 'a dark stroke path');
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const m of d[1]!.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    const a = Number(m[2]);
    if (m[1] === 'M') [x, y] = [a, Number(m[3])];
    else if (m[1] === 'm') [x, y] = [x + a, y + Number(m[3])];
    else {
      for (let i = 0; i < a; i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += a;
    }
  }
  return { viewBox: Number(viewBox[1]), dark };
}

/** The QR symbol's module matrix as qrcode computes it for `text`, plus the structure every QR code has. */
function expectedModules(
  text: string,
  level: 'L' | 'M' | 'Q' | 'H' = 'M',
): { size: number; dark: (r: number, c: number) => boolean } {
  const qr = QRCode.create(text, { errorCorrectionLevel: level });
  const size = qr.modules.size;
  const dark = (r: number, c: number): boolean => Boolean(qr.modules.get(r, c));
  assert.equal((size - 17) % 4, 0, 'size = 17 + 4 x version');
  // Finder patterns (7x7: dark ring, light ring, dark 3x3) in three corners; the timing patterns.
  for (const [r0, c0] of [
    [0, 0],
    [0, size - 7],
    [size - 7, 0],
  ] as const) {
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 7; c++) {
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
        assert.equal(dark(r0 + r, c0 + c), ring !== 2, `finder pattern at ${r0},${c0}`);
      }
    }
  }
  for (let i = 8; i < size - 8; i++) assert.equal(dark(6, i), i % 2 === 0, 'timing pattern');
  return { size, dark };
}

// ---- helpers ------------------------------------------------------------------------------------------

describe('qrCodeUrl, payInfo, checkoutUrl', () => {
  test('qrCodeUrl reads payer.payer_info.qr_code_scan.qr_code_url (from a payment or a response)', () => {
    const payment = qrPayment();
    assert.equal(qrCodeUrl(payment), `${BASE}/sandbox/wallet/wechat/PAY_1?t=abc`);
    assert.equal(
      qrCodeUrl({ payment, links: payment.links!, meta: { ret_code: '0000', ret_msg: 'ok' } }),
      `${BASE}/sandbox/wallet/wechat/PAY_1?t=abc`,
    );
  });

  test('qrCodeUrl of a payment without a QR code throws a TypeError that says why', () => {
    const web = samplePayment(
      { payment_method: 'WECHAT_SCAN', interface_type: 'SERVER_TO_WEB', payer_info: {} },
      webLinks(),
    );
    assert.throws(
      () => qrCodeUrl(web),
      (err: Error) =>
        err instanceof TypeError &&
        /PAY_1/.test(err.message) &&
        /SERVER_TO_WEB/.test(err.message) &&
        /checkoutUrl/.test(err.message),
    );
    assert.throws(() => qrCodeUrl(samplePayment({ payment_method: 'CREDIT_CARD' })), TypeError);
    assert.throws(() => qrCodeUrl(null as unknown as Payment), TypeError);
    assert.throws(() => qrCodeUrl({} as Payment), TypeError);
  });

  test('payInfo reads wechat_in_app_web.pay_info (WECHAT_WEB) or wechat_in_app.pay_info (WECHAT_IN_APP)', () => {
    const js = jsapiInfo();
    const app = appInfo();
    assert.deepEqual(
      payInfo(
        samplePayment({
          payment_method: 'WECHAT_WEB',
          payer_info: { wechat_in_app_web: { open_id: 'oX', pay_info: js } },
        }),
      ),
      js,
    );
    assert.deepEqual(
      payInfo(samplePayment({ payment_method: 'WECHAT_IN_APP', payer_info: { wechat_in_app: { pay_info: app } } })),
      app,
    );
    assert.throws(
      () => payInfo(qrPayment()),
      (err: Error) => err instanceof TypeError && /no pay_info/.test(err.message) && /WECHAT_SCAN/.test(err.message),
    );
  });

  test('checkoutUrl is the href of the upay link (links[3] of a web payment)', () => {
    const payment = samplePayment({ payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' }, webLinks());
    assert.equal(checkoutUrl(payment), `${BASE}/checkout/PAY_1?t=tok`);
    assert.equal(checkoutUrl(payment), payment.links![3]!.href);
    // A link that only has rel, and links only at the response's top level, are found too.
    const relOnly = samplePayment({}, [{ rel: 'upay', href: `${BASE}/checkout/PAY_1?t=x` }]);
    assert.equal(checkoutUrl(relOnly), `${BASE}/checkout/PAY_1?t=x`);
    const bare = { ...payment, links: undefined };
    assert.equal(
      checkoutUrl({ payment: bare, links: webLinks(), meta: { ret_code: '0000', ret_msg: 'ok' } }),
      `${BASE}/checkout/PAY_1?t=tok`,
    );
    assert.throws(
      () => checkoutUrl(qrPayment()),
      (err: Error) => err instanceof TypeError && /no upay link/.test(err.message) && /SERVER_TO_WEB/.test(err.message),
    );
  });
});

describe('payInfoToJsApiParams, payInfoToAppPayReq', () => {
  test(
    'JS-API: the camelCase parameters of getBrandWCPayRequest, ' +
      'whose paySign WeChat recomputes over exactly these names',
    () => {
      const info = jsapiInfo();
      const params = payInfoToJsApiParams(info);
      assert.deepEqual(Object.keys(params).sort(), [
        'appId',
        'nonceStr',
        'package',
        'paySign',
        'signType',
        'timeStamp',
      ]);
      assert.deepEqual(params, {
        appId: 'wx2421b1c4370ec43b',
        timeStamp: '1395712654',
        nonceStr: 'e61463f8efa94090b1f366cccfbbb444',
        package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
        signType: 'MD5',
        paySign: info.pay_sign,
      });
      // WeChat checks paySign over the other five parameters as passed: they must be the signed ones.
      const { paySign, ...signed } = params;
      assert.equal(wechatMd5(signed), paySign);
      assert.ok(JSON.stringify(params).length < 400, 'plain JSON, ready for the page');
    },
  );

  test('JS-API: an APP pay_info or an incomplete one is refused', () => {
    assert.throws(
      () => payInfoToJsApiParams(appInfo()),
      (err: Error) => err instanceof TypeError && /payInfoToAppPayReq/.test(err.message),
    );
    for (const field of ['app_id', 'time_stamp', 'nonce_str', 'package', 'sign_type', 'pay_sign'] as const) {
      const info = { ...jsapiInfo(), [field]: '' };
      assert.throws(
        () => payInfoToJsApiParams(info),
        (err: Error) => err instanceof TypeError && err.message.includes(field),
        field,
      );
    }
    assert.throws(() => payInfoToJsApiParams(undefined as unknown as PayInfo), TypeError);
  });

  test('APP: the native SDK PayReq fields, whose sign WeChat recomputes with the APP rule', () => {
    const info = appInfo();
    const req = payInfoToAppPayReq(info);
    assert.deepEqual(req, {
      appId: 'wxb4ba3c02aa476ea1',
      partnerId: '1900006771',
      prepayId: 'wx201410272009395522657a690389285100',
      packageValue: 'Sign=WXPay',
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      timeStamp: '1412000000',
      sign: info.pay_sign,
    });
    const recomputed = wechatMd5({
      appid: req.appId,
      noncestr: req.nonceStr,
      package: req.packageValue,
      partnerid: req.partnerId,
      prepayid: req.prepayId,
      timestamp: req.timeStamp,
    });
    assert.equal(recomputed, req.sign);
    assert.throws(
      () => payInfoToAppPayReq(jsapiInfo()),
      (err: Error) => err instanceof TypeError && /payInfoToJsApiParams/.test(err.message),
    );
    const { prepay_id: _dropped, ...noPrepay } = info;
    assert.throws(
      () => payInfoToAppPayReq(noPrepay),
      (err: Error) => err instanceof TypeError && /prepay_id/.test(err.message),
    );
  });
});

describe('parseOpenIdRedirect', () => {
  const state = 'eyJtIjoiTTEifQ.abcdef0123';

  test('reads open_id and state from a full URL, a path with query, or a bare query', () => {
    const expected = { openId: 'oAbC_12-xyz', state };
    assert.deepEqual(
      parseOpenIdRedirect(`https://shop.example/wechat/cb?order=7&open_id=oAbC_12-xyz&state=${state}`),
      expected,
    );
    assert.deepEqual(
      parseOpenIdRedirect(new URL(`https://shop.example/cb?state=${state}&open_id=oAbC_12-xyz`)),
      expected,
    );
    assert.deepEqual(
      parseOpenIdRedirect(`/wechat/cb?open_id=oAbC_12-xyz&state=${encodeURIComponent(state)}`),
      expected,
    );
    assert.deepEqual(parseOpenIdRedirect(`?open_id=oAbC_12-xyz&state=${state}`), expected);
    assert.deepEqual(parseOpenIdRedirect(`open_id=oAbC_12-xyz&state=${state}`), expected);
    // The spellings other integrations use.
    assert.deepEqual(parseOpenIdRedirect(`/cb?openid=oAbC_12-xyz&state=${state}`), expected);
    assert.deepEqual(parseOpenIdRedirect(`/cb?openId=oAbC_12-xyz&state=${state}`), expected);
  });

  test('checks the state against the link when asked', () => {
    const href =
      'https://gateway.example/sandbox/wechat/oauth2/authorize?appid=wx1&redirect_uri=x' +
      `&state=${state}#wechat_redirect`;
    assert.equal(openIdLinkState(href), state);
    assert.equal(openIdLinkState('not a url'), undefined);
    assert.deepEqual(parseOpenIdRedirect(`/cb?open_id=o1&state=${state}`, { expectedState: openIdLinkState(href)! }), {
      openId: 'o1',
      state,
    });
    assert.throws(
      () => parseOpenIdRedirect(`/cb?open_id=o1&state=other`, { expectedState: state }),
      (err: Error) => err instanceof TypeError && /does not match/.test(err.message),
    );
  });

  test('a redirect without open_id (declined), without state, or with a malformed open_id is refused', () => {
    assert.throws(
      () => parseOpenIdRedirect(`/cb?error=access_denied&state=${state}`),
      (err: Error) => err instanceof TypeError && /no open_id/.test(err.message),
    );
    assert.throws(
      () => parseOpenIdRedirect('/cb?open_id=o1'),
      (err: Error) => err instanceof TypeError && /no state/.test(err.message),
    );
    assert.throws(
      () => parseOpenIdRedirect(`/cb?open_id=${encodeURIComponent('<script>')}&state=s`),
      (err: Error) => err instanceof TypeError && /malformed/.test(err.message),
    );
    assert.throws(() => parseOpenIdRedirect(42 as unknown as string), TypeError);
  });
});

describe('renderQrCode', () => {
  const text =
    'http://127.0.0.1:8080/sandbox/wallet/wechat/PAY_ABCDEFGHIJKLMNOPQRSTU?t=0123456789abcdef0123456789abcdef';

  test('SVG (default): a data URL whose dark modules are exactly the QR symbol of the text', async () => {
    const url = await renderQrCode(text);
    assert.match(url, /^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/);
    const svg = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').toString('utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const { size, dark } = expectedModules(text);
    const drawn = svgDarkCells(svg);
    const margin = 4;
    assert.equal(drawn.viewBox, size + 2 * margin, 'the symbol plus a 4-module quiet zone');
    let darkCount = 0;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        assert.equal(drawn.dark.has(`${c + margin},${r + margin}`), dark(r, c), `module ${r},${c}`);
        if (dark(r, c)) darkCount++;
      }
    }
    assert.equal(drawn.dark.size, darkCount, 'nothing dark outside the symbol');
  });

  /** Every pixel of the PNG is its module's colour (modules are whole pixels), the quiet zone light. */
  function checkPng(
    url: string,
    text: string,
    opts: { maxWidth: number; margin: number; level?: 'L' | 'M' | 'Q' | 'H' },
  ): number {
    assert.match(url, /^data:image\/png;base64,/);
    const png = decodePng(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
    const { size, dark } = expectedModules(text, opts.level);
    const units = size + 2 * opts.margin;
    const scale = Math.max(1, Math.floor(opts.maxWidth / units));
    assert.equal(
      png.width,
      units * scale,
      `the largest whole-pixel width up to ${opts.maxWidth} (at least a pixel per module)`,
    );
    assert.equal(png.height, png.width);
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const r = Math.floor(y / scale) - opts.margin;
        const c = Math.floor(x / scale) - opts.margin;
        const inside = r >= 0 && c >= 0 && r < size && c < size;
        if (png.dark(x, y) !== (inside && dark(r, c)))
          assert.fail(`pixel ${x},${y} (module ${r},${c}) has the wrong colour`);
      }
    }
    return png.width;
  }

  test(
    'PNG: a data URL whose every pixel is the QR symbol of ' + 'the text (whole pixels per module, at most 256 wide)',
    async () => {
      const width = checkPng(await renderQrCode(text, { format: 'png' }), text, { maxWidth: 256, margin: 4 });
      assert.ok(width > 256 - 60 && width <= 256, `about 256 pixels wide: ${width}`);
    },
  );

  test('options: width, margin and error correction level', async () => {
    checkPng(
      await renderQrCode('PAY_1', { format: 'png', width: 100, margin: 0, errorCorrectionLevel: 'H' }),
      'PAY_1',
      { maxWidth: 100, margin: 0, level: 'H' },
    );
    // Narrower than the symbol: one pixel per module.
    assert.equal(
      checkPng(await renderQrCode(text, { format: 'png', width: 21 }), text, { maxWidth: 21, margin: 4 }),
      expectedModules(text).size + 8,
    );
    const svg = Buffer.from((await renderQrCode('PAY_1', { margin: 1, width: 300 })).split(',')[1]!, 'base64').toString(
      'utf8',
    );
    assert.match(svg, /width="300" height="300"/);
    assert.equal(svgDarkCells(svg).viewBox, expectedModules('PAY_1').size + 2);
  });

  test('bad input is a TypeError: empty text, too much text, unknown format or options', async () => {
    await assert.rejects(renderQrCode(''), TypeError);
    await assert.rejects(renderQrCode(undefined as unknown as string), TypeError);
    await assert.rejects(
      renderQrCode('x'.repeat(8000)),
      (err: Error) => err instanceof TypeError && /cannot draw/.test(err.message),
    );
    await assert.rejects(
      renderQrCode('x', { format: 'gif' as 'png' }),
      (err: Error) => err instanceof TypeError && /format/.test(err.message),
    );
    await assert.rejects(renderQrCode('x', { margin: -1 }), TypeError);
    await assert.rejects(renderQrCode('x', { width: 5 }), TypeError);
    await assert.rejects(renderQrCode('x', { errorCorrectionLevel: 'Z' as 'L' }), TypeError);
  });
});

// ---- against the platform double: payments.create typings, client.wechat.openIdLink ------------------

describe('client: wallet payments and WeChat open_id', () => {
  let keys: TestKeys;
  let platform: PlatformDouble;

  before(async () => {
    keys = makeTestKeys();
    platform = await new PlatformDouble(keys).start();
  });
  after(async () => {
    await platform.stop();
    keys.cleanup();
  });
  beforeEach(() => platform.reset());

  const client = (): UmfClient =>
    new UmfClient({
      baseUrl: platform.baseUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      merchantPrivateKey: keys.merchantKeyP8,
      platformCertificate: keys.platformCertDer,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });

  let seq = 0;
  function params<P extends PayerInput>(payer: P): CreatePaymentParams<P> {
    seq++;
    return {
      payer,
      order: {
        mer_reference_id: `W${Date.now()}${seq}`,
        mer_date: '20240101',
        amount: { total: '10.00', currency: 'USD' },
        order_summary: 'Tea',
        sub_orders: [
          { mer_sub_reference_id: `S${seq}`, amount: { total: '10.00', currency: 'USD' }, trans_code: '01121990' },
        ],
      },
      notify_url: 'https://shop.example/notify',
    };
  }

  /** The platform answers POST /payments/payment with `payment` (echoing the request's payer). */
  function answerCreate(build: (body: any) => Payment): void {
    platform.override(
      (r) => r.path === '/payments/payment' && r.method === 'POST',
      (r: RecordedRequest) => {
        const payment = build(JSON.parse(r.body.toString('utf8')));
        return { status: 201, result: { payment, links: payment.links } };
      },
    );
  }

  const decrypt = (b64: string): string =>
    privateDecrypt(
      { key: keys.platformPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(b64, 'base64'),
    ).toString('utf8');

  test('QR: create is typed with qr_code_scan.qr_code_url; the citizen id in qr_code_scan is encrypted', async () => {
    answerCreate((body) =>
      samplePayment({
        ...body.payer,
        payer_info: { qr_code_scan: { qr_code_url: `${BASE}/sandbox/wallet/alipay/PAY_1?t=q` } },
      }),
    );
    const res = await client().payments.create(
      params({
        payment_method: 'ALIPAY_SCAN',
        interface_type: 'DIRECT_TO_BANK',
        payer_info: {
          phone: '13800000000',
          qr_code_scan: { citizen_id_type: 'IDENTITY_CARD', citizen_id_number: '110101199001011237' },
        },
      }),
    );
    const url: string = res.payment.payer.payer_info.qr_code_scan.qr_code_url; // typed: no optional chaining needed
    assert.equal(url, qrCodeUrl(res.payment));
    const [rec] = platform.requestsTo('/payments/payment');
    assert.ok(rec?.signatureValid, 'the request is signed');
    const sent = JSON.parse(rec.body.toString('utf8'));
    assert.equal(sent.payer.payment_method, 'ALIPAY_SCAN');
    assert.equal(sent.payer.interface_type, 'DIRECT_TO_BANK');
    assert.equal(sent.payer.business_type, 'B2C');
    assert.equal(sent.payer.payer_info.qr_code_scan.citizen_id_type, 'IDENTITY_CARD');
    assert.notEqual(sent.payer.payer_info.qr_code_scan.citizen_id_number, '110101199001011237', 'never in clear');
    assert.equal(decrypt(sent.payer.payer_info.qr_code_scan.citizen_id_number), '110101199001011237');
  });

  test('WECHAT_WEB: open_id is sent in clear; create is typed with wechat_in_app_web.pay_info', async () => {
    const js = jsapiInfo();
    answerCreate((body) =>
      samplePayment({
        ...body.payer,
        payer_info: { wechat_in_app_web: { open_id: body.payer.payer_info.wechat_in_app_web.open_id, pay_info: js } },
      }),
    );
    const res = await client().payments.create(
      params({ payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: 'oPayer_123' } } }),
    );
    const info: PayInfo = res.payment.payer.payer_info.wechat_in_app_web.pay_info;
    assert.deepEqual(info, js);
    assert.equal(res.payment.payer.payer_info.wechat_in_app_web.open_id, 'oPayer_123');
    assert.deepEqual(payInfoToJsApiParams(payInfo(res.payment)).paySign, js.pay_sign);
    const sent = JSON.parse(platform.requestsTo('/payments/payment')[0]!.body.toString('utf8'));
    assert.deepEqual(sent.payer.payer_info, { wechat_in_app_web: { open_id: 'oPayer_123' } });
  });

  test('WECHAT_WEB without an open_id is a TypeError before anything is sent', async () => {
    const c = client();
    const noOpenId = params({ payment_method: 'WECHAT_WEB', payer_info: {} });
    await assert.rejects(
      c.payments.create(noOpenId),
      (err: Error) => err instanceof TypeError && /open_id/.test(err.message) && /openIdLink/.test(err.message),
    );
    const blank = params({ payment_method: 'WECHAT_WEB', payer_info: { wechat_in_app_web: { open_id: ' ' } } });
    await assert.rejects(c.payments.create(blank), TypeError);
    assert.equal(platform.requestsTo('/payments/payment').length, 0);
  });

  test('WECHAT_IN_APP: create is typed with wechat_in_app.pay_info (APP)', async () => {
    const app = appInfo();
    answerCreate((body) => samplePayment({ ...body.payer, payer_info: { wechat_in_app: { pay_info: app } } }));
    const res = await client().payments.create(params({ payment_method: 'WECHAT_IN_APP' }));
    const info: PayInfo = res.payment.payer.payer_info.wechat_in_app.pay_info;
    assert.equal(payInfoToAppPayReq(info).prepayId, app.prepay_id);
  });

  test(
    'hosted checkout: SERVER_TO_WEB / SERVER_TO_H5WEB create is typed with links; ' + 'checkoutUrl is the upay link',
    async () => {
      for (const interface_type of ['SERVER_TO_WEB', 'SERVER_TO_H5WEB'] as const) {
        platform.reset();
        answerCreate((body) => samplePayment(body.payer, webLinks('PAY_W')));
        const res = await client().payments.create({
          ...params({ payment_method: 'NOT_APPLICABLE', interface_type }),
          ret_url: 'https://shop.example/done',
        });
        const links: Link[] = res.payment.links; // typed: present
        assert.deepEqual(
          links.map((l) => l.ref),
          ['self', 'refund', 'apply_to_customs', 'upay'],
        );
        assert.equal(checkoutUrl(res.payment), `${BASE}/checkout/PAY_W?t=tok`);
        assert.equal(checkoutUrl(res), `${BASE}/checkout/PAY_W?t=tok`);
        const sent = JSON.parse(platform.requestsTo('/payments/payment')[0]!.body.toString('utf8'));
        assert.equal(sent.payer.interface_type, interface_type);
        assert.equal(sent.ret_url, 'https://shop.example/done');
      }
    },
  );

  test('typings: a payment of unknown method is not assumed to have a QR code or pay_info', async () => {
    answerCreate((body) => samplePayment(body.payer));
    const general: CreatePaymentParams = params({ payment_method: 'CREDIT_CARD', bank_code: 'CCB' });
    const res = await client().payments.create(general);
    // @ts-expect-error payer is optional on a general payment: the helpers check at run time instead
    assert.throws(() => res.payment.payer.payer_info.qr_code_scan.qr_code_url, TypeError);
    assert.throws(() => qrCodeUrl(res.payment), TypeError);
  });

  test('wechat.openIdLink: GET /payments/wechat_openid?notify_url=... -> links[0].href', async () => {
    const href =
      `${BASE}/sandbox/wechat/oauth2/authorize?appid=wx1` +
      `&redirect_uri=${encodeURIComponent('https://shop.example/wx?a=1&b=2')}&response_type=code` +
      '&scope=snsapi_base&state=st.1#wechat_redirect';
    platform.override((r) => r.path === '/payments/wechat_openid', {
      status: 200,
      result: { links: [{ ref: 'weChat', method: 'GET', href }] },
    });
    const link = await client().wechat.openIdLink('https://shop.example/wx?a=1&b=2');
    assert.equal(link, href);
    assert.equal(openIdLinkState(link), 'st.1');
    const [rec] = platform.requestsTo('/payments/wechat_openid');
    assert.ok(rec, 'the request was made');
    assert.equal(rec.method, 'GET');
    assert.equal(
      rec.url.searchParams.get('notify_url'),
      'https://shop.example/wx?a=1&b=2',
      'notify_url is query-encoded',
    );
    assert.match(String(rec.headers['authorization']), /^Bearer tok_/);
  });

  test(
    'wechat.openIdLink: a bad notifyUrl is a TypeError; an error answer is typed; ' +
      'a response without a link is an UmfApiError',
    async () => {
      const c = client();
      for (const bad of ['', 'shop.example/wx', 'ftp://shop.example/x', 'javascript:alert(1)', undefined]) {
        await assert.rejects(c.wechat.openIdLink(bad as string), TypeError);
      }
      assert.equal(platform.requestsTo('/payments/wechat_openid').length, 0, 'nothing was sent');
      platform.override((r) => r.path === '/payments/wechat_openid', {
        status: 400,
        retCode: '00060700',
        retMsg: 'Data validation failure: notify_url is required',
      });
      await assert.rejects(c.wechat.openIdLink('https://shop.example/wx'), UmfInvalidRequestError);
      for (const result of [
        {},
        { links: [] },
        { links: [{ ref: 'weChat' }] },
        { links: [{ href: 'javascript:alert(1)' }] },
      ]) {
        platform.override((r) => r.path === '/payments/wechat_openid', { status: 200, result });
        await assert.rejects(c.wechat.openIdLink('https://shop.example/wx'), UmfApiError, JSON.stringify(result));
      }
    },
  );
});
