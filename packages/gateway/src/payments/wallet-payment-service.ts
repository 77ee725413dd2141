/**
 * Wallet payments (reference 2.3-2.5): WeChat Pay and Alipay QR codes, the WeChat official-account
 * JS-API and the WeChat in-app SDK. The payer pays (or fails to pay) in the wallet: the sandbox
 * wallet page, the sandbox WeChat browser or app, or POST /sandbox/payments/{id}/pay; the wallet
 * tells the platform, which ends the payment (payment-lifecycle.ts) and notifies the merchant.
 */
import { refuse } from '../errors/domain-error.ts';
import type { Clock } from '../time/clock.ts';
import type { WalletProvider } from '../channels/channels.ts';
import type { PaymentRepository } from './payment-repository.ts';
import type { PaymentRecord } from './payment-record.ts';
import type { PaymentLifecycle } from './payment-lifecycle.ts';
import { refuseFinal, type PaymentService } from './payment-service.ts';
import { checkoutMethods, walletMethodFor } from './checkout-methods.ts';

export interface WalletPaymentServiceDeps {
  readonly payments: PaymentRepository;
  readonly paymentService: PaymentService;
  readonly lifecycle: PaymentLifecycle;
  readonly clock: Clock;
}

export class WalletPaymentService {
  readonly #deps: WalletPaymentServiceDeps;
  constructor(deps: WalletPaymentServiceDeps) {
    this.#deps = deps;
  }

  /**
   * The payer paid (`success`) or gave up (`fail`) in the wallet of `provider`. Exactly one
   * concurrent pay wins (the lifecycle's guarded move); a paid, failed or closed payment cannot be
   * paid again.
   */
  async pay(paymentId: string, provider: WalletProvider, outcome: 'success' | 'fail'): Promise<PaymentRecord> {
    const { payments, paymentService, lifecycle, clock } = this.#deps;
    const record = await paymentService.openForPayer(paymentId);
    const method = walletMethodFor(record, provider);
    if (!checkoutMethods(record).includes(method)) {
      refuse('invalid_request', `this payment is not paid with ${provider === 'WECHAT' ? 'WeChat Pay' : 'Alipay'}`);
    }
    // A checkout buyer who asked for a card's SMS code (sms_sent) may still change their mind and pay
    // with a wallet: nothing was debited yet, and the payment's end destroys the sealed card and code.
    if (record.stage !== 'created' && record.stage !== 'sms_sent') refuse('payment_in_process');
    const state = outcome === 'success' ? 'TRADE_SUCCESS' : 'TRADE_FAIL';
    const end = outcome === 'success' ? { channel: method } : { channel: method, failure: 'payer_declined' as const };
    const ended = await lifecycle.end(record, record.stage, state, clock.now(), end);
    if (ended) return ended;
    const current = await payments.findById(record.id);
    if (current && current.state !== 'WAIT_BUYER_PAY') refuseFinal(current.state);
    return refuse('payment_in_process');
  }
}
