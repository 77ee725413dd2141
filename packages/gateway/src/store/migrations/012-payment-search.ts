import type { Kysely } from 'kysely';

/**
 * The console's payments list at a million rows (payments/payment-repository.ts `search`): every
 * filter it offers has an index that starts with the filtered column and goes on in the list's order
 * (created_at, id), so a filtered page (with or without a date range and a cursor) is a seek and a
 * walk of about one page, newest first, never a scan of payments or a sort of what matched.
 *
 * - state, payment method, currency: `payments_by_<column>_created`; several states are one seek each,
 *   merged (the repository runs one statement per state).
 * - merchant: 007's `payments_by_merchant_created`; with a state (the merchant's own view, the most
 *   common pair) `payments_by_merchant_state_created`.
 * - search: by mer_reference_id (`payments_by_reference`, whatever the merchant) and by the card's
 *   last four digits (`payments_by_card_last4`, about one payment in ten thousand each); the payment id
 *   is the primary key.
 *
 * Idempotent (an upgrade test runs the migrations again).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const indexes: Array<[name: string, columns: string[]]> = [
    ['payments_by_state_created', ['state', 'created_at', 'id']],
    ['payments_by_method_created', ['payment_method', 'created_at', 'id']],
    ['payments_by_currency_created', ['currency', 'created_at', 'id']],
    ['payments_by_merchant_state_created', ['merchant_id', 'state', 'created_at', 'id']],
    ['payments_by_reference', ['mer_reference_id', 'created_at', 'id']],
    ['payments_by_card_last4', ['card_last4', 'created_at', 'id']],
  ];
  for (const [name, columns] of indexes)
    await db.schema.createIndex(name).ifNotExists().on('payments').columns(columns).execute();
}
