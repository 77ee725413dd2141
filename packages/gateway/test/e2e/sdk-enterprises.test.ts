/**
 * End to end, the way a merchant registers a company with umf-sdk against a gateway on a port:
 * client.enterprises.register, get, waitFor ENABLE while the operator approves (the service the CLI
 * and console call), waitFor stopped by a rejection, the timeout carrying the last company seen,
 * typed errors for 00060780 and 00060781 and the SDK's own checks. On SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

import {
  RetCodes,
  UmfClient,
  UmfConflictError,
  UmfEnterpriseNotEnabledError,
  UmfEnterpriseRejectedError,
  UmfInvalidRequestError,
  UmfNotFoundError,
  UmfWaitTimeoutError,
  errorFromResponse,
  type EnterpriseQualification,
} from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { sdkClient } from '../helpers/sdk-client.ts';

let counter = 0;
const externalId = () => `SDK-ENT-${process.pid}-${++counter}`;

test('the error factory maps the enterprise codes to typed errors', () => {
  const of = (code: string, status: number) =>
    errorFromResponse({ httpStatus: status, meta: { ret_code: code, ret_msg: 'x' } });
  assert.ok(of(RetCodes.ENTERPRISE_NOT_FOUND, 404) instanceof UmfNotFoundError);
  assert.ok(of(RetCodes.DUPLICATE_ENTERPRISE, 409) instanceof UmfConflictError);
  assert.ok(of(RetCodes.ENTERPRISE_NOT_ENABLED, 403) instanceof UmfEnterpriseNotEnabledError);
  assert.ok(of(RetCodes.ENTERPRISE_ALREADY_ENABLED, 409) instanceof UmfConflictError);
  assert.ok(of(RetCodes.ENTERPRISE_REVIEW_CONFLICT, 409) instanceof UmfConflictError);
});

for (const kind of testDatabaseUrls()) {
  describe(`SDK enterprises end to end (${kind.name})`, () => {
    let h: Harness;
    let merchant: TestMerchant;
    let client: UmfClient;
    let other: UmfClient;

    before(async () => {
      h = await startHarness(kind, { workers: false });
      merchant = await h.merchant({ name: 'SDK B2B Shop' });
      client = sdkClient(h, merchant);
      other = sdkClient(h, await h.merchant({ name: 'Other SDK Shop' }));
    });
    after(async () => h?.close());

    test('register -> DISABLE; waitFor ENABLE while the operator approves; get shows the rank', async () => {
      const { enterprise, links, meta } = await client.enterprises.register({
        external_enterprise_id: externalId(),
        enterprise_name: '华西电子商务有限公司',
        enterprise_phone: '13241359611',
        enterprise_email: 'finance@huaxi.example',
        enterprise_contacts: 'Feng Jian',
        busi_type: 'GFHG',
        enterprise_code: '91350100M000100Y43',
      });
      assert.equal(meta.ret_code, '0000');
      assert.equal(enterprise.enterprise_status, 'DISABLE');
      assert.equal(enterprise.enterprise_contacts, 'Feng Jian');
      assert.deepEqual(
        links.map((l) => [l.ref, l.href]),
        [['self', `${h.api}/enterprise_qualification/${enterprise.id}`]],
      );

      const waiting = client.enterprises.waitFor(enterprise.id, { timeoutMs: 10_000, intervalMs: 30 });
      await delay(100);
      await h.gateway.context.services.enterprises.approve(enterprise.id, 'OTHERS');
      const approved: EnterpriseQualification = await waiting;
      assert.equal(approved.enterprise_status, 'ENABLE');
      assert.equal(approved.rank, 'OTHERS');
      assert.equal((await client.enterprises.get(enterprise.id)).enterprise.rank, 'OTHERS');
    });

    test('waitFor: a rejection while waiting is UmfEnterpriseRejectedError; a timeout has the company', async () => {
      const { enterprise } = await client.enterprises.register({
        external_enterprise_id: externalId(),
        enterprise_name: 'Rejected Trading Ltd',
      });
      const waiting = client.enterprises.waitFor(enterprise.id, { timeoutMs: 10_000, intervalMs: 30 });
      await delay(100);
      await h.gateway.context.services.enterprises.reject(enterprise.id, 'The business licence has expired');
      await assert.rejects(waiting, (e: unknown) => {
        assert.ok(e instanceof UmfEnterpriseRejectedError, String(e));
        assert.match(e.message, /The business licence has expired/);
        assert.equal((e.enterprise as EnterpriseQualification).review_reason, 'The business licence has expired');
        return true;
      });

      // Rejected before the wait: new papers may be under review, so it waits (here, until the timeout).
      await assert.rejects(
        client.enterprises.waitFor(enterprise.id, { timeoutMs: 150, intervalMs: 30 }),
        (e: unknown) => {
          assert.ok(e instanceof UmfWaitTimeoutError, String(e));
          assert.match(e.message, /still DISABLE after 150 ms/);
          assert.equal((e.lastPayment as EnterpriseQualification).id, enterprise.id);
          return true;
        },
      );
      // Approved later: the same wait now ends well.
      const waitingAgain = client.enterprises.waitFor(enterprise.id, { timeoutMs: 10_000, intervalMs: 30 });
      await delay(60);
      await h.gateway.context.services.enterprises.approve(enterprise.id);
      assert.equal((await waitingAgain).rank, 'A');
    });

    test('typed errors: a taken external id (00060781), not mine or unknown (00060780), bad fields', async () => {
      const id = externalId();
      const { enterprise } = await client.enterprises.register({ external_enterprise_id: id, enterprise_name: 'One' });
      await assert.rejects(client.enterprises.register({ external_enterprise_id: id, enterprise_name: 'Two' }), (e) => {
        assert.ok(e instanceof UmfConflictError, String(e));
        assert.equal(e.retCode, RetCodes.DUPLICATE_ENTERPRISE);
        assert.equal(e.httpStatus, 409);
        return true;
      });
      for (const call of [() => other.enterprises.get(enterprise.id), () => client.enterprises.get('EQ_NOPE')]) {
        await assert.rejects(call, (e) => {
          assert.ok(e instanceof UmfNotFoundError, String(e));
          assert.equal(e.retCode, RetCodes.ENTERPRISE_NOT_FOUND);
          return true;
        });
      }
      await assert.rejects(
        client.enterprises.register({
          external_enterprise_id: externalId(),
          enterprise_name: 'Typo Ltd',
          enterprise_code: '91350100M000100Y44',
        }),
        (e) => {
          assert.ok(e instanceof UmfInvalidRequestError, String(e));
          assert.match(e.message, /enterprise_qualification\.enterprise_code .*check character/);
          return true;
        },
      );
      // The SDK's own checks, before anything is sent.
      await assert.rejects(
        client.enterprises.register({ external_enterprise_id: 'has space', enterprise_name: 'X' }),
        /external_enterprise_id .* must be 1-64 letters/,
      );
      await assert.rejects(
        client.enterprises.register({ external_enterprise_id: 'OK-1', enterprise_name: ' ' }),
        /enterprise_name must be a non-empty string/,
      );
      await assert.rejects(client.enterprises.get(''), TypeError);
    });
  });
}
