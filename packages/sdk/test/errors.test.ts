import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UmfApiError,
  UmfAuthenticationError,
  UmfBaseUrlError,
  UmfCardError,
  UmfConflictError,
  UmfError,
  UmfInvalidRequestError,
  UmfNotFoundError,
  UmfPaymentStateError,
  UmfRateLimitError,
  UmfSignatureError,
  UmfVerificationCodeError,
  errorFromResponse,
} from '../src/index.ts';

const table: Array<[new (...args: never[]) => UmfError, string[]]> = [
  [UmfAuthenticationError, ['00280703', '00280701', '00280704', '00060711']],
  [UmfSignatureError, ['00060710']],
  [
    UmfInvalidRequestError,
    ['00060700', '00060701', '00060702', '00060703', '00202001', '00202002', '00202003', '00281017'],
  ],
  [UmfNotFoundError, ['00060760']],
  [UmfConflictError, ['00060741', '00060742', '00060743']],
  [UmfCardError, ['00200025', '00200026', '00060875', '00060730', '00290502', '00060022', '00060076']],
  [UmfVerificationCodeError, ['00200005', '00200007', '00200008', '00080706', '00080707']],
  [UmfPaymentStateError, ['00060751', '00060761', '00060762', '00060763', '00060764', '00060765', '00060766']],
  [UmfApiError, ['00060999', '12345678']],
];

for (const [cls, codes] of table) {
  test(`errorFromResponse maps ${codes.join(', ')} to ${cls.name}`, () => {
    for (const code of codes) {
      const err = errorFromResponse({
        httpStatus: 400,
        meta: { ret_code: code, ret_msg: 'msg ' + code },
        rawBody: `{"meta":{"ret_code":"${code}"}}`,
        requestId: 'req_1',
      });
      assert.ok(err instanceof cls, `${code} -> ${err.name}`);
      assert.ok(err instanceof UmfError, 'err instanceof UmfError');
      assert.ok(err instanceof Error, 'err instanceof Error');
      assert.equal(err.name, cls.name);
      assert.equal(err.retCode, code);
      assert.equal(err.retMsg, 'msg ' + code);
      assert.equal(err.httpStatus, 400);
      assert.equal(err.requestId, 'req_1');
      assert.equal(err.rawBody, `{"meta":{"ret_code":"${code}"}}`);
      assert.match(err.message, new RegExp(code));
    }
  });
}

test('the classes are distinct: a card error is not a conflict error', () => {
  const err = errorFromResponse({ httpStatus: 402, meta: { ret_code: '00200025', ret_msg: 'x' } });
  assert.equal(err instanceof UmfConflictError, false);
  assert.equal(err instanceof UmfApiError, false);
});

test('HTTP status drives the class when the code is unknown or missing', () => {
  assert.ok(
    errorFromResponse({ httpStatus: 429 }) instanceof UmfRateLimitError,
    'errorFromResponse({ httpStatus: 429 }) instanceof UmfRateLimitError',
  );
  assert.ok(
    errorFromResponse({ httpStatus: 429, meta: { ret_code: '99999999', ret_msg: 'slow down' } }) instanceof
      UmfRateLimitError,
    "errorFromResponse({ httpStatus: 429, meta: { ret_code: '99999999', ret_msg: 'slow down' } }) " +
      'instanceof UmfRateLimitError',
  );
  // A 404 that is not a UMF answer says the request missed the API: a UmfBaseUrlError, not a "not found".
  const nf = errorFromResponse({ httpStatus: 404, rawBody: '<html>Not Found</html>' });
  assert.ok(nf instanceof UmfBaseUrlError, `${nf.name}: ${nf.message}`);
  assert.equal(nf instanceof UmfNotFoundError, false);
  assert.match(nf.message, /baseUrl: it should end with \/cberest\/v1/);
  // A UMF 404 with a code the SDK does not know is still a not-found answer.
  const unknown = errorFromResponse({ httpStatus: 404, meta: { ret_code: '00069999', ret_msg: 'gone' } });
  assert.ok(unknown instanceof UmfNotFoundError, unknown.name);
  assert.ok(
    errorFromResponse({ httpStatus: 401 }) instanceof UmfAuthenticationError,
    'errorFromResponse({ httpStatus: 401 }) instanceof UmfAuthenticationError',
  );
  assert.ok(
    errorFromResponse({ httpStatus: 502, rawBody: 'Bad Gateway' }) instanceof UmfApiError,
    "errorFromResponse({ httpStatus: 502, rawBody: 'Bad Gateway' }) instanceof UmfApiError",
  );
  // A known code wins over the status.
  assert.ok(
    errorFromResponse({ httpStatus: 429, meta: { ret_code: '00280704', ret_msg: 'x' } }) instanceof
      UmfAuthenticationError,
    "errorFromResponse({ httpStatus: 429, meta: { ret_code: '00280704', ret_msg: 'x' } }) " +
      'instanceof UmfAuthenticationError',
  );
  // Other request-shape codes of the 000607xx family.
  assert.ok(
    errorFromResponse({ httpStatus: 400, meta: { ret_code: '00060709', ret_msg: 'x' } }) instanceof
      UmfInvalidRequestError,
    "errorFromResponse({ httpStatus: 400, meta: { ret_code: '00060709', ret_msg: 'x' } }) " +
      'instanceof UmfInvalidRequestError',
  );
  // A redirect is explained, not followed.
  assert.match(errorFromResponse({ httpStatus: 301, location: 'https://elsewhere/' }).message, /redirect.*elsewhere/);
});

test('messages explain the likely fix for our-side problems', () => {
  const sig = errorFromResponse({ httpStatus: 400, meta: { ret_code: '00060710', ret_msg: 'bad signature' } });
  assert.match(sig.message, /merchantPrivateKey/);
  assert.match(sig.message, /modifies the request\s+body/);
  assert.match(
    errorFromResponse({ httpStatus: 401, meta: { ret_code: '00280701', ret_msg: 'x' } }).message,
    /clientSecret/,
  );
});

test('toJSON exposes the useful fields and no raw body', () => {
  const err = errorFromResponse({ httpStatus: 409, meta: { ret_code: '00060741', ret_msg: 'dup' }, rawBody: 'RAW' });
  const json = JSON.parse(JSON.stringify(err)) as Record<string, unknown>;
  assert.deepEqual(json, {
    name: 'UmfConflictError',
    message: err.message,
    retCode: '00060741',
    retMsg: 'dup',
    httpStatus: 409,
  });
});
