/**
 * The UMF product a payment was made with: `product_id` of the payment summaries (reference 3.16,
 * 3.17: "Paid product defined by UMF", e.g. "Payment Gateway - Alipay QR code") and the productId
 * field of the transaction file (3.11). Keyed by the method the payer actually used (`channel` of a
 * hosted-checkout payment, otherwise its `payment_method`).
 */
const PRODUCTS: Readonly<Record<string, string>> = {
  CREDIT_CARD: 'Payment Gateway - Credit card',
  DEBIT_CARD: 'Payment Gateway - Debit card',
  WECHAT_SCAN: 'Payment Gateway - WeChat QR code',
  ALIPAY_SCAN: 'Payment Gateway - Alipay QR code',
  WECHAT_WEB: 'Payment Gateway - WeChat official account',
  WECHAT_IN_APP: 'Payment Gateway - WeChat in-app',
  B2B_ONLINE_BANKING: 'Payment Gateway - Corporate online banking',
  B2C_ONLINE_BANKING: 'Payment Gateway - Personal online banking',
  NOT_APPLICABLE: 'Payment Gateway - Hosted checkout',
};

export function productIdOf(payment: { readonly payment_method: string; readonly channel: string | null }): string {
  return (
    PRODUCTS[payment.channel ?? payment.payment_method] ??
    PRODUCTS[payment.payment_method] ??
    `Payment Gateway - ${payment.payment_method}`
  );
}
