/**
 * `checkLedger(db)`: verifies the ledger and derives every account's balance from it.
 *
 * 1. Every entry balances: its lines sum to zero in each currency.
 * 2. Every currency's balances sum to zero (follows from 1; checked anyway).
 * 3. The ledger agrees with the payments and refunds it records:
 *    - each TRADE_SUCCESS payment has exactly one payment entry, for its total_cny; no other payment has one;
 *    - each refund has its accepted entry for its CNY amount, a succeeded entry iff REFUND_SUCCESS and a
 *      failed entry iff REFUND_FAIL;
 *    - a payment's refunded_minor / refunded_cny_minor are the sums of its non-failed refunds, never above
 *      the payment, and a fully refunded payment has given back exactly its total_cny;
 *    - B2B: a paid payment's entry credits b2b_held:<m>; each released payment has exactly one release
 *      entry and each cancelled (returned) one exactly one return entry, for its total_cny, and no other
 *      payment has either; b2b_held:<m>:CNY = -(CNY of m's payments still held); a cancelled payment
 *      keeps its payment entry (the return entry takes the money back out of clearing);
 *    - merchant_payable:<m>:CNY = -(CNY of m's successful payments (B2B: released) - CNY of m's non-failed refunds)
 *      + what m's settlements paid out of it (their G - R),
 *      refunds_payable:CNY = -(CNY of refunds in process),
 *      platform_clearing:CNY = CNY of successful payments - CNY of successful refunds - CNY settled (N),
 *      service_fees:CNY = -(fees of all settlements), merchant_settled:<m>:<X> = transfers to m in X;
 *    - each settlement has exactly one entry, and its figures are the sums of the items it settled
 *      (payments' CNY, refunds' CNY, fees, each item's exchanged amount).
 *
 * Sums are computed by the database and read as text, so they are exact whatever the driver does with
 * 64-bit integers.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { ACCOUNTS } from './journal.ts';

export interface AccountBalance {
  readonly account: string;
  readonly currency: string;
  /** Debit positive, credit negative, in minor units of `currency`. */
  readonly balance: bigint;
}

export interface LedgerCheckResult {
  readonly ok: boolean;
  readonly entries: number;
  readonly lines: number;
  readonly balances: readonly AccountBalance[];
  /** Human-readable descriptions of everything that is wrong (at most ~100 per kind). */
  readonly problems: readonly string[];
}

const LIMIT = 100;

function big(value: unknown): bigint {
  if (value === null || value === undefined || value === '') return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`not an integer: ${typeof value}`);
  const text = String(value);
  // PostgreSQL's numeric sums read as text may carry a zero fraction ("12.0") in some setups.
  return BigInt(text.includes('.') ? text.slice(0, text.indexOf('.')) : text);
}

export async function checkLedger(db: Kysely<Database>): Promise<LedgerCheckResult> {
  const problems: string[] = [];

  const counts = await sql<{ entries: unknown; lines: unknown }>`
    select (select count(*) from ledger_entries) as entries, (select count(*) from ledger_lines) as lines
  `.execute(db);
  const entries = Number(counts.rows[0]?.entries ?? 0);
  const lines = Number(counts.rows[0]?.lines ?? 0);

  // 1. Entries that do not balance.
  const unbalanced = await sql<{ entry_id: string; currency: string; off: string }>`
    select entry_id, currency, cast(sum(amount_minor) as text) as off
    from ledger_lines group by entry_id, currency having sum(amount_minor) <> 0
    order by entry_id limit ${LIMIT}
  `.execute(db);
  for (const r of unbalanced.rows)
    problems.push(`entry ${r.entry_id} does not balance in ${r.currency}: off by ${r.off}`);

  // Balances.
  const balanceRows = await sql<{ account: string; currency: string; balance: string }>`
    select account, currency, cast(sum(amount_minor) as text) as balance
    from ledger_lines group by account, currency order by account
  `.execute(db);
  const balances: AccountBalance[] = balanceRows.rows.map((r) => ({
    account: r.account,
    currency: r.currency,
    balance: big(r.balance),
  }));
  const balanceOf = (account: string) => balances.find((b) => b.account === account)?.balance ?? 0n;

  // 2. Each currency sums to zero.
  const perCurrency = new Map<string, bigint>();
  for (const b of balances) perCurrency.set(b.currency, (perCurrency.get(b.currency) ?? 0n) + b.balance);
  for (const [currency, sum] of perCurrency)
    if (sum !== 0n) problems.push(`the balances of ${currency} sum to ${sum}, not 0`);

  // 3a. Payments and their entries.
  const payments = await sql<{ id: string; expected: string; posted: string; n: unknown }>`
    select x.id, cast(x.expected as text) as expected, cast(x.posted as text) as posted, x.n from (
      select p.id, p.total_cny_minor as expected,
        coalesce((select sum(l.amount_minor) from ledger_entries e join ledger_lines l on l.entry_id = e.id
                  where e.kind = 'payment_success' and e.object_id = p.id and l.account =
                    ${ACCOUNTS.platformClearing('CNY')}), 0) as posted,
        (select count(*) from ledger_entries e where e.kind = 'payment_success' and e.object_id = p.id) as n
      from payments p where p.state = 'TRADE_SUCCESS' or (p.state = 'TRADE_CANCEL' and p.funds_state = 'returned')
    ) x where x.n <> 1 or x.posted <> x.expected limit ${LIMIT}
  `.execute(db);
  for (const r of payments.rows) {
    problems.push(
      Number(r.n) === 0
        ? `payment ${r.id} is TRADE_SUCCESS but has no ledger entry`
        : `payment ${r.id}: ${Number(r.n)} payment entries posting ${r.posted} fen, expected one of ${r.expected}`,
    );
  }
  const strayPayments = await sql<{ object_id: string; state: string | null }>`
    select e.object_id, p.state from ledger_entries e left join payments p on p.id = e.object_id
    where e.kind = 'payment_success' and (p.id is null or (p.state <> 'TRADE_SUCCESS'
      and not (p.state = 'TRADE_CANCEL' and p.funds_state = 'returned'))) limit ${LIMIT}
  `.execute(db);
  for (const r of strayPayments.rows)
    problems.push(`payment entry for ${r.object_id}, which is ${r.state ?? 'missing'}`);

  // 3b. Refunds and their entries.
  const refunds = await sql<{
    id: string;
    state: string;
    cny: string;
    accepted: string;
    n_acc: unknown;
    n_ok: unknown;
    n_fail: unknown;
  }>`
    select x.id, x.state, cast(x.cny as text) as cny, cast(x.accepted as text) as accepted, x.n_acc, x.n_ok, x.n_fail
      from (
      select r.id, r.state, r.cny_minor as cny,
        coalesce((select sum(l.amount_minor) from ledger_entries e join ledger_lines l on l.entry_id = e.id
                  where e.kind = 'refund_accepted' and e.object_id = r.id and l.account = 'merchant_payable:' ||
                    r.merchant_id || ':CNY'), 0) as accepted,
        (select count(*) from ledger_entries e where e.kind = 'refund_accepted' and e.object_id = r.id) as n_acc,
        (select count(*) from ledger_entries e where e.kind = 'refund_succeeded' and e.object_id = r.id) as n_ok,
        (select count(*) from ledger_entries e where e.kind = 'refund_failed' and e.object_id = r.id) as n_fail
      from refunds r
    ) x
    where x.n_acc <> 1 or x.accepted <> x.cny
      or x.n_ok <> (case when x.state = 'REFUND_SUCCESS' then 1 else 0 end)
      or x.n_fail <> (case when x.state = 'REFUND_FAIL' then 1 else 0 end)
    limit ${LIMIT}
  `.execute(db);
  for (const r of refunds.rows) {
    problems.push(
      `refund ${r.id} (${r.state}, ${r.cny} fen): accepted entries ${Number(r.n_acc)} for ${r.accepted} fen, ` +
        `succeeded entries ${Number(r.n_ok)}, failed entries ${Number(r.n_fail)}`,
    );
  }

  // 3c. What each payment has given back.
  const refunded = await sql<{
    id: string;
    amount: string;
    total_cny: string;
    refunded: string;
    refunded_cny: string;
    sum_amount: string;
    sum_cny: string;
  }>`
    select x.id, cast(x.amount_minor as text) as amount, cast(x.total_cny_minor as text) as total_cny,
      cast(x.refunded_minor as text) as refunded, cast(x.refunded_cny_minor as text) as refunded_cny,
      cast(x.sum_amount as text) as sum_amount, cast(x.sum_cny as text) as sum_cny from (
      select p.id, p.amount_minor, p.total_cny_minor, p.refunded_minor, p.refunded_cny_minor,
        coalesce((select sum(r.amount_minor) from refunds r where r.payment_id = p.id and r.state <> 'REFUND_FAIL'), 0)
          as sum_amount,
        coalesce((select sum(r.cny_minor) from refunds r where r.payment_id = p.id and r.state <> 'REFUND_FAIL'), 0) as
          sum_cny
      from payments p
      where p.refunded_minor <> 0 or p.refunded_cny_minor <> 0 or exists (select 1 from refunds r where r.payment_id =
        p.id)
    ) x
    where x.refunded_minor <> x.sum_amount or x.refunded_cny_minor <> x.sum_cny
      or x.refunded_minor > x.amount_minor or x.refunded_cny_minor > x.total_cny_minor
      or (x.refunded_minor = x.amount_minor and x.refunded_cny_minor <> x.total_cny_minor)
    limit ${LIMIT}
  `.execute(db);
  for (const r of refunded.rows) {
    problems.push(
      `payment ${r.id} (${r.amount} / ${r.total_cny} fen) records ${r.refunded} / ${r.refunded_cny} fen refunded; ` +
        `its non-failed refunds take ${r.sum_amount} / ${r.sum_cny} fen`,
    );
  }

  // 3d. Account balances against the payments and refunds.
  const paidByMerchant = await sql<{ merchant_id: string; cny: string }>`
    select merchant_id, cast(sum(total_cny_minor) as text) as cny from payments where state = 'TRADE_SUCCESS'
      and (funds_state is null or funds_state = 'released') group by merchant_id
  `.execute(db);
  const refundedByMerchant = await sql<{ merchant_id: string; cny: string }>`
    select merchant_id, cast(sum(cny_minor) as text) as cny from refunds where state <> 'REFUND_FAIL' group by
      merchant_id
  `.execute(db);
  const expectedPayable = new Map<string, bigint>();
  for (const r of paidByMerchant.rows)
    expectedPayable.set(r.merchant_id, (expectedPayable.get(r.merchant_id) ?? 0n) - big(r.cny));
  for (const r of refundedByMerchant.rows)
    expectedPayable.set(r.merchant_id, (expectedPayable.get(r.merchant_id) ?? 0n) + big(r.cny));
  const merchantAccounts = new Set(
    balances.filter((b) => b.account.startsWith('merchant_payable:') && b.currency === 'CNY').map((b) => b.account),
  );
  const settledByMerchant = await sql<{ merchant_id: string; payable: string }>`
    select merchant_id, cast(sum(gross_cny_minor - refund_cny_minor) as text) as payable from settlements group by
      merchant_id
  `.execute(db);
  for (const r of settledByMerchant.rows)
    expectedPayable.set(r.merchant_id, (expectedPayable.get(r.merchant_id) ?? 0n) + big(r.payable));
  for (const [merchantId, expected] of expectedPayable) {
    const account = ACCOUNTS.merchantPayable(merchantId, 'CNY');
    merchantAccounts.delete(account);
    const actual = balanceOf(account);
    if (actual !== expected)
      problems.push(`${account} is ${actual}, expected ${expected} from the payments and refunds`);
  }
  for (const account of merchantAccounts)
    if (balanceOf(account) !== 0n)
      problems.push(`${account} is ${balanceOf(account)} but the merchant has no payments`);

  const totals = await sql<{
    paid: string;
    refunded_ok: string;
    in_process: string;
    settled_cny: string;
    fees: string;
  }>`
    select
      (select cast(coalesce(sum(total_cny_minor), 0) as text) from payments where state = 'TRADE_SUCCESS') as paid,
      (select cast(coalesce(sum(cny_minor), 0) as text) from refunds where state = 'REFUND_SUCCESS') as refunded_ok,
      (select cast(coalesce(sum(cny_minor), 0) as text) from refunds where state = 'REFUND_PROCESS') as in_process,
      (select cast(coalesce(sum(net_cny_minor), 0) as text) from settlements) as settled_cny,
      (select cast(coalesce(sum(fee_minor), 0) as text) from settlements) as fees
  `.execute(db);
  const t = totals.rows[0]!;
  const clearing = balanceOf(ACCOUNTS.platformClearing('CNY'));
  const expectedClearing = big(t.paid) - big(t.refunded_ok) - big(t.settled_cny);
  if (clearing !== expectedClearing)
    problems.push(
      `platform_clearing:CNY is ${clearing}, expected ${expectedClearing} ` +
        `(paid ${t.paid} - refunded ${t.refunded_ok} - settled ${t.settled_cny})`,
    );
  const fees = balanceOf(ACCOUNTS.serviceFees('CNY'));
  if (fees !== -big(t.fees))
    problems.push(`service_fees:CNY is ${fees}, expected ${-big(t.fees)} (fees of the settlements)`);

  // 3d'. B2B held funds: the release and return entries, and what is held per merchant.
  const b2bEntries = await sql<{
    id: string;
    funds_state: string | null;
    total: string;
    kind: string;
    n: unknown;
    posted: string;
  }>`
    select p.id, p.funds_state, cast(p.total_cny_minor as text) as total, k.kind,
      (select count(*) from ledger_entries e where e.kind = k.kind and e.object_id = p.id) as n,
      cast(coalesce((select sum(l.amount_minor) from ledger_entries e join ledger_lines l on l.entry_id = e.id
        where e.kind = k.kind and e.object_id = p.id and l.account = 'b2b_held:' || p.merchant_id || ':CNY'), 0)
        as text) as posted
    from payments p cross join (select 'b2b_release' as kind union all select 'b2b_return') k
    where p.funds_state is not null
      or p.id in (select e.object_id from ledger_entries e where e.kind in ('b2b_release', 'b2b_return'))
  `.execute(db);
  for (const r of b2bEntries.rows) {
    const expected = r.kind === 'b2b_release' ? r.funds_state === 'released' : r.funds_state === 'returned';
    const n = Number(r.n);
    if (n !== (expected ? 1 : 0) || (n === 1 && big(r.posted) !== big(r.total))) {
      if (problems.length < LIMIT * 4)
        problems.push(
          `payment ${r.id} (funds ${r.funds_state ?? 'none'}): ${n} ${r.kind} entries posting ${r.posted} fen to ` +
            `b2b_held, expected ${expected ? `one of ${r.total}` : 'none'}`,
        );
    }
  }
  const heldByMerchant = await sql<{ merchant_id: string; cny: string }>`
    select merchant_id, cast(sum(total_cny_minor) as text) as cny from payments where state = 'TRADE_SUCCESS'
      and funds_state = 'held' group by merchant_id
  `.execute(db);
  const heldAccounts = new Set(balances.filter((b) => b.account.startsWith('b2b_held:')).map((b) => b.account));
  for (const r of heldByMerchant.rows) {
    const account = ACCOUNTS.b2bHeld(r.merchant_id, 'CNY');
    heldAccounts.delete(account);
    if (balanceOf(account) !== -big(r.cny))
      problems.push(`${account} is ${balanceOf(account)}, expected ${-big(r.cny)} (the merchant's held payments)`);
  }
  for (const account of heldAccounts)
    if (balanceOf(account) !== 0n) problems.push(`${account} is ${balanceOf(account)} but nothing is held`);

  // 3e. Settlements: one entry each, figures that are the sums of their items, transfers per account.
  const settlementRows = await sql<{
    id: string;
    merchant_id: string;
    currency: string;
    payment_count: unknown;
    refund_count: unknown;
    gross: string;
    refund: string;
    fee: string;
    net_cny: string;
    net: string;
    n_entries: unknown;
    p_count: unknown;
    p_gross: string;
    p_fee: string;
    p_settled: string;
    r_count: unknown;
    r_cny: string;
    r_settled: string;
  }>`
    select s.id, s.merchant_id, s.currency, s.payment_count, s.refund_count,
      cast(s.gross_cny_minor as text) as gross, cast(s.refund_cny_minor as text) as refund, cast(s.fee_minor as text) as
        fee,
      cast(s.net_cny_minor as text) as net_cny, cast(s.net_minor as text) as net,
      (select count(*) from ledger_entries e where e.kind = 'settlement' and e.object_id = s.id) as n_entries,
      (select count(*) from payments p where p.settlement_id = s.id) as p_count,
      (select cast(coalesce(sum(p.total_cny_minor), 0) as text) from payments p where p.settlement_id = s.id) as
        p_gross,
      (select cast(coalesce(sum(p.service_fee_minor), 0) as text) from payments p where p.settlement_id = s.id) as
        p_fee,
      (select cast(coalesce(sum(p.settled_minor), 0) as text) from payments p where p.settlement_id = s.id) as
        p_settled,
      (select count(*) from refunds r where r.settlement_id = s.id) as r_count,
      (select cast(coalesce(sum(r.cny_minor), 0) as text) from refunds r where r.settlement_id = s.id) as r_cny,
      (select cast(coalesce(sum(r.settled_minor), 0) as text) from refunds r where r.settlement_id = s.id) as r_settled
    from settlements s
  `.execute(db);
  const transfers = new Map<string, bigint>();
  const funding = new Map<string, bigint>();
  for (const s of settlementRows.rows) {
    const wrong: string[] = [];
    if (Number(s.n_entries) !== 1) wrong.push(`${Number(s.n_entries)} ledger entries`);
    if (Number(s.p_count) !== Number(s.payment_count))
      wrong.push(`${Number(s.p_count)} payments point at it, it counts ${Number(s.payment_count)}`);
    if (Number(s.r_count) !== Number(s.refund_count))
      wrong.push(`${Number(s.r_count)} refunds point at it, it counts ${Number(s.refund_count)}`);
    if (big(s.p_gross) !== big(s.gross)) wrong.push(`payments' CNY ${s.p_gross} but gross ${s.gross}`);
    if (big(s.r_cny) !== big(s.refund)) wrong.push(`refunds' CNY ${s.r_cny} but refunds ${s.refund}`);
    if (big(s.p_fee) !== big(s.fee)) wrong.push(`payments' fees ${s.p_fee} but fee ${s.fee}`);
    if (big(s.gross) - big(s.refund) - big(s.fee) !== big(s.net_cny))
      wrong.push(`net CNY ${s.net_cny} is not gross - refunds - fee`);
    if (big(s.p_settled) - big(s.r_settled) !== big(s.net))
      wrong.push(`items come to ${big(s.p_settled) - big(s.r_settled)} ${s.currency} but the transfer is ${s.net}`);
    if (wrong.length > 0 && problems.length < LIMIT * 4) problems.push(`settlement ${s.id}: ${wrong.join('; ')}`);
    const account = ACCOUNTS.merchantSettled(s.merchant_id, s.currency);
    transfers.set(account, (transfers.get(account) ?? 0n) + big(s.net));
    funding.set(s.currency, (funding.get(s.currency) ?? 0n) + big(s.net));
  }
  for (const [account, expected] of transfers) {
    if (balanceOf(account) !== expected)
      problems.push(`${account} is ${balanceOf(account)}, expected ${expected} (the merchant's transfers)`);
  }
  for (const b of balances) {
    if (b.account.startsWith('merchant_settled:') && !transfers.has(b.account) && b.balance !== 0n)
      problems.push(`${b.account} is ${b.balance} but no settlement transferred anything`);
  }
  for (const [currency, expected] of funding) {
    const account = ACCOUNTS.settlementFunding(currency);
    if (balanceOf(account) !== -expected) problems.push(`${account} is ${balanceOf(account)}, expected ${-expected}`);
  }
  const unsettled = await sql<{ id: string }>`
    select p.id from payments p where p.settlement_id is not null and (p.state <> 'TRADE_SUCCESS' or not exists (select
      1 from settlements s where s.id = p.settlement_id))
    union all
    select r.id from refunds r where r.settlement_id is not null and (r.state <> 'REFUND_SUCCESS' or not exists (select
      1 from settlements s where s.id = r.settlement_id))
    limit ${LIMIT}
  `.execute(db);
  for (const r of unsettled.rows)
    problems.push(`${r.id} points at a settlement but is not a successful item of an existing settlement`);
  const refundsPayable = balanceOf(ACCOUNTS.refundsPayable('CNY'));
  if (refundsPayable !== -big(t.in_process))
    problems.push(`refunds_payable:CNY is ${refundsPayable}, expected ${-big(t.in_process)} (refunds in process)`);

  return { ok: problems.length === 0, entries, lines, balances, problems };
}

/** One account's balance (debit positive), derived from the ledger. */
export async function accountBalance(db: Kysely<Database>, account: string): Promise<bigint> {
  const row = await sql<{
    balance: string | null;
  }>`select cast(sum(amount_minor) as text) as balance from ledger_lines where account = ${account}`.execute(db);
  return big(row.rows[0]?.balance);
}
