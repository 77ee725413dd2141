import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UmfApiError,
  UmfCardError,
  UmfConflictError,
  UmfConnectionError,
  backoffDelay,
  errorFromResponse,
  isRetryable,
  parseRetryAfter,
  withRetries,
} from '../src/index.ts';

const policy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 };

test('backoffDelay: full jitter under a capped exponential ceiling', () => {
  const top = (): number => 0.999999;
  assert.equal(backoffDelay(0, policy, top), 199);
  assert.equal(backoffDelay(1, policy, top), 399);
  assert.equal(backoffDelay(3, policy, top), 1599);
  assert.equal(backoffDelay(10, policy, top), 4999, 'capped at maxDelayMs');
  assert.equal(
    backoffDelay(5, policy, () => 0),
    0,
    'full jitter reaches zero',
  );
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(2, policy);
    assert.ok(d >= 0 && d < 800, 'd >= 0 && d < 800');
  }
});

test('parseRetryAfter: seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2023 00:00:05 GMT', now), 0);
});

test('isRetryable: network, 429, 5xx, 00060743 — only for idempotent calls', () => {
  const http = (status: number, code?: string): UmfApiError =>
    new UmfApiError('x', { httpStatus: status, retCode: code });
  assert.equal(isRetryable(new UmfConnectionError('x'), true), true);
  for (const s of [429, 500, 502, 503, 504]) assert.equal(isRetryable(http(s), true), true, String(s));
  for (const s of [400, 401, 402, 404, 409]) assert.equal(isRetryable(http(s), true), false, String(s));
  assert.equal(isRetryable(new UmfConflictError('x', { httpStatus: 409, retCode: '00060743' }), true), true);
  assert.equal(isRetryable(new UmfConflictError('x', { httpStatus: 409, retCode: '00060741' }), true), false);
  assert.equal(isRetryable(new UmfCardError('x', { httpStatus: 402, retCode: '00200025' }), true), false);
  // Specific answers are not retried even when they come with 429/5xx.
  for (const code of ['00280704', '00080706', '00080707']) {
    assert.equal(
      isRetryable(errorFromResponse({ httpStatus: 429, meta: { ret_code: code, ret_msg: 'x' } }), true),
      false,
      code,
    );
  }
  assert.equal(
    isRetryable(errorFromResponse({ httpStatus: 500, meta: { ret_code: '00060999', ret_msg: 'x' } }), true),
    true,
  );
  assert.equal(isRetryable(errorFromResponse({ httpStatus: 429, rawBody: 'slow down' }), true), true);
  assert.equal(isRetryable(new UmfConnectionError('x'), false), false);
  assert.equal(isRetryable(http(503), false), false);
  assert.equal(isRetryable(new Error('boom'), true), false);
});

test('withRetries: gives up after maxRetries, uses backoff delays, honours Retry-After', async () => {
  let calls = 0;
  const delays: number[] = [];
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        throw new UmfApiError('busy', { httpStatus: 503 });
      },
      { policy, idempotent: true, random: () => 0, onRetry: (i) => delays.push(i.delayMs) },
    ),
    UmfApiError,
  );
  assert.equal(calls, 3);
  assert.deepEqual(delays, [0, 0]);

  calls = 0;
  delays.length = 0;
  const result = await withRetries(
    async (n) => {
      calls++;
      if (n === 0) throw new UmfApiError('slow', { httpStatus: 429, retryAfterMs: 30 });
      return 'ok';
    },
    { policy, idempotent: true, onRetry: (i) => delays.push(i.delayMs) },
  );
  assert.equal(result, 'ok');
  assert.deepEqual(delays, [30]);

  // A Retry-After beyond maxRetryAfterMs is not waited for.
  calls = 0;
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        throw new UmfApiError('later', { httpStatus: 503, retryAfterMs: 3_600_000 });
      },
      { policy, idempotent: true },
    ),
  );
  assert.equal(calls, 1);
});

test('withRetries: an abort during the backoff wait stops the loop', async () => {
  const controller = new AbortController();
  let calls = 0;
  const p = withRetries(
    async () => {
      calls++;
      throw new UmfConnectionError('down');
    },
    {
      policy: { ...policy, baseDelayMs: 10_000, maxDelayMs: 10_000 },
      idempotent: true,
      signal: controller.signal,
      random: () => 0.5,
    },
  );
  setTimeout(() => controller.abort(new Error('caller gave up')), 20);
  await assert.rejects(p, /caller gave up/);
  assert.equal(calls, 1);
});
