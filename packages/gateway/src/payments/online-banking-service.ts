/**
 * Online-banking payments (reference 2.7, 2.8, 4.3): B2B_ONLINE_BANKING (a company pays from its
 * corporate account) and B2C_ONLINE_BANKING (a person from a personal account). The payer pays on
 * the bank's own page (the payment's `upay` link, or the hosted checkout's bank buttons); the bank
 * tells the platform asynchronously (channels.ts CorporateBank `onResult`), and `receive` ends the
 * payment (payment-lifecycle.ts: a B2B payment's CNY is then held) and notifies the merchant.
 *
 * A result is applied once (the lifecycle's guarded move; the bank may deliver it again). A success
 * for a payment that was closed meanwhile (it expired while the payer was at the bank) is money the
 * payer gave for nothing: it goes straight back to the payer's account.
 */
import type { Clock } from '../time/clock.ts';
import type { CorporateBank, OnlineBankingResult } from '../channels/channels.ts';
import type { EnterpriseRepository } from '../enterprises/enterprise-repository.ts';
import type { EnterpriseRecord } from '../enterprises/enterprise-record.ts';
import type { PaymentRepository } from './payment-repository.ts';
import { onlineBankingOf, type PaymentRecord } from './payment-record.ts';
import type { PaymentLifecycle } from './payment-lifecycle.ts';

export interface OnlineBankingServiceDeps {
  readonly payments: PaymentRepository;
  readonly enterprises: EnterpriseRepository;
  readonly lifecycle: PaymentLifecycle;
  readonly bank: CorporateBank;
  readonly clock: Clock;
}

export class OnlineBankingService {
  readonly #deps: OnlineBankingServiceDeps;
  constructor(deps: OnlineBankingServiceDeps) {
    this.#deps = deps;
  }

  /** The bank's result of a payment (see the header): the payment as it is afterwards. */
  async receive(result: OnlineBankingResult): Promise<PaymentRecord | undefined> {
    const { payments, lifecycle, bank, clock } = this.#deps;
    const record = await payments.findById(result.paymentId);
    if (!record) return undefined;
    const kind = onlineBankingOf(record);
    if (!kind) return record;
    const channel = `${kind}_ONLINE_BANKING`;
    if (record.state === 'WAIT_BUYER_PAY') {
      const ended =
        result.outcome === 'success'
          ? await lifecycle.end(record, record.stage, 'TRADE_SUCCESS', clock.now(), { channel })
          : await lifecycle.end(record, record.stage, 'TRADE_FAIL', clock.now(), { channel, failure: result.reason });
      if (ended) return ended;
    }
    const current = (await payments.findById(record.id)) ?? record;
    if (result.outcome === 'success' && current.state !== 'WAIT_BUYER_PAY' && current.state !== 'TRADE_SUCCESS') {
      // Paid at the bank after the payment ended (closed on expiry): the payer gets the money back.
      await bank.returnFunds({
        returnId: `late-${record.id}`,
        paymentId: record.id,
        amountFen: result.amountFen,
        now: clock.now(),
      });
    }
    return current;
  }

  /** The company that pays a B2B payment (its page shows the company's name). */
  async payingCompanyOf(record: PaymentRecord): Promise<EnterpriseRecord | undefined> {
    if (!record.enterprise_id) return undefined;
    return this.#deps.enterprises.ofMerchant(record.merchant_id, { id: record.enterprise_id });
  }
}
