/** Which methods a payer may use for a payment, on the hosted checkout or in a wallet. */
import type { WalletProvider } from '../channels/channels.ts';
import { ONLINE_BANKING_BANKS } from '../reference/banks.ts';
import { isWebPayment, type PaymentRecord } from './payment-record.ts';

/** A bank whose online banking a payer may choose on the hosted checkout. */
export interface OnlineBankingBank {
  readonly code: string;
  readonly name: string;
  readonly name_zh: string;
}

/** The banks the hosted checkout offers an online-banking payment, the one the merchant named first. */
export function onlineBankingChoices(record: Pick<PaymentRecord, 'bank_code'>): OnlineBankingBank[] {
  const named = ONLINE_BANKING_BANKS.filter((b) => b.code === record.bank_code);
  return [...named, ...ONLINE_BANKING_BANKS.filter((b) => b.code !== record.bank_code)];
}

const WALLET_METHODS = ['WECHAT_SCAN', 'ALIPAY_SCAN', 'WECHAT_WEB', 'WECHAT_IN_APP'];

/** The payment methods the payer may use for this payment (on the checkout page or a wallet). */
export function checkoutMethods(
  record: Pick<PaymentRecord, 'payment_method' | 'interface_type'> & Partial<Pick<PaymentRecord, 'business_type'>>,
): string[] {
  // A company pays in its corporate online banking, whatever else the checkout offers a person.
  if (record.business_type === 'B2B') return isWebPayment(record) ? ['B2B_ONLINE_BANKING'] : [];
  if (isWebPayment(record) && record.payment_method === 'NOT_APPLICABLE') {
    return ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN'];
  }
  if (isWebPayment(record)) return [record.payment_method];
  if (WALLET_METHODS.includes(record.payment_method)) return [record.payment_method];
  return [];
}

/** The method a wallet pays this payment with: Alipay's QR, or the WeChat method the payment uses. */
export function walletMethodFor(record: Pick<PaymentRecord, 'payment_method'>, provider: WalletProvider): string {
  if (provider === 'ALIPAY') return 'ALIPAY_SCAN';
  if (record.payment_method === 'WECHAT_WEB' || record.payment_method === 'WECHAT_IN_APP') return record.payment_method;
  return 'WECHAT_SCAN';
}

/** Whether the wallet of `provider` can pay this payment. */
export function walletTakes(
  record: Pick<PaymentRecord, 'payment_method' | 'interface_type'>,
  provider: WalletProvider,
) {
  const methods = checkoutMethods(record);
  return provider === 'ALIPAY'
    ? methods.includes('ALIPAY_SCAN')
    : methods.some((m) => m === 'WECHAT_SCAN' || m === 'WECHAT_WEB' || m === 'WECHAT_IN_APP');
}
