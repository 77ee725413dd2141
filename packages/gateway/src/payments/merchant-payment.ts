/**
 * A merchant's own payment, as every merchant request about one loads it (query, verify, execute,
 * refund, apply_to_customs): a malformed id, an unknown one and another merchant's payment are all
 * the same 00060760 (404), so a merchant cannot learn anything about payments that are not its own.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import type { PaymentRow } from './payment-view.ts';
import { PreparedQuery } from '../store/prepared.ts';

const merchantPayment = new PreparedQuery<[paymentId: string, merchantId: string], PaymentRow>(
  2,
  (db, [paymentId, merchantId]) =>
    db.selectFrom('payments').selectAll().where('id', '=', paymentId).where('merchant_id', '=', merchantId),
);

export async function findMerchantPayment(
  db: Kysely<Database>,
  merchant: Merchant,
  paymentId: string,
): Promise<PaymentRow> {
  if (!/^PAY_[A-Z0-9]{1,40}$/.test(paymentId)) throw new UmfError(RET.PAYMENT_NOT_FOUND);
  const row = await merchantPayment.takeFirst(db, paymentId, merchant.id);
  if (!row) throw new UmfError(RET.PAYMENT_NOT_FOUND);
  return row;
}
