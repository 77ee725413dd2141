/**
 * `umf-gateway enterprise list|show|approve|reject`: the operator's review of the companies merchants
 * register for B2B payments (docs/b2b.md "Enterprise qualification"), through the same
 * EnterpriseService as the API and the console. A running gateway reads companies from the database
 * at every request, so it sees a review at once.
 */
import { DomainError } from '../errors/domain-error.ts';
import { codeOf } from '../http/error-codes.ts';
import { ENTERPRISE_RANKS, ENTERPRISE_STATUSES, type EnterpriseRecord } from '../enterprises/enterprise-record.ts';
import type { EnterpriseSearch } from '../enterprises/enterprise-repository.ts';
import { MAX_PAGE, MAX_REVIEW_REASON } from '../enterprises/enterprise-service.ts';
import { chinaReadable } from '../time/china-time.ts';
import { CommandError, UsageError, type Command, type FlagValues } from './command.ts';
import { integerFlag, requiredFlag, stringFlag } from './flag-values.ts';
import { textFields, textTable } from './text-table.ts';

const ID_ARG = [{ name: 'EQ_ID', help: 'the company (EQ_...)' }] as const;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A company as `--json` prints it. */
function enterpriseJson(e: EnterpriseRecord) {
  return {
    id: e.id,
    merchant_id: e.merchant_id,
    external_enterprise_id: e.external_enterprise_id,
    enterprise_name: e.enterprise_name,
    enterprise_phone: e.enterprise_phone,
    enterprise_email: e.enterprise_email,
    enterprise_contacts: e.enterprise_contacts,
    busi_type: e.busi_type,
    enterprise_code: e.enterprise_code,
    status: e.status,
    rank: e.rank,
    review_reason: e.review_reason,
    created_at: iso(e.created_at),
    reviewed_at: iso(e.reviewed_at),
  };
}

function enterpriseText(e: EnterpriseRecord): string {
  const fields: Record<string, string> = {
    id: e.id,
    merchant_id: e.merchant_id,
    external_enterprise_id: e.external_enterprise_id,
    enterprise_name: e.enterprise_name,
  };
  if (e.enterprise_code !== null) fields.enterprise_code = e.enterprise_code;
  if (e.busi_type !== null) fields.busi_type = e.busi_type;
  if (e.enterprise_contacts !== null) fields.enterprise_contacts = e.enterprise_contacts;
  if (e.enterprise_phone !== null) fields.enterprise_phone = e.enterprise_phone;
  if (e.enterprise_email !== null) fields.enterprise_email = e.enterprise_email;
  fields.status = e.status;
  if (e.rank !== null) fields.rank = e.rank;
  if (e.review_reason !== null) fields.review_reason = e.review_reason;
  fields.created_at = chinaReadable(e.created_at);
  if (e.reviewed_at !== null) fields.reviewed_at = chinaReadable(e.reviewed_at);
  return textFields(fields);
}

/** A flag's value, in any case, one of `choices` (the message lists them). */
function upperChoice<T extends string>(flags: FlagValues, name: string, choices: readonly T[]): T | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  const upper = value.trim().toUpperCase();
  if (!(choices as readonly string[]).includes(upper))
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return upper as T;
}

/** What the service refused, said for the operator: its detail and the return code the API would answer. */
async function operatorCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const entry = codeOf(error.reason);
    const hint = error.reason === 'enterprise_not_found' ? ' (umf-gateway enterprise list shows them)' : '';
    throw new CommandError(`${error.detail ?? entry.message}${hint} [${entry.code}: ${entry.message}]`);
  }
}

function printed(e: EnterpriseRecord, json: boolean): string {
  return json ? JSON.stringify(enterpriseJson(e), null, 2) + '\n' : enterpriseText(e);
}

const list: Command = {
  words: ['enterprise', 'list'],
  summary: 'companies registered for B2B payments, oldest first (the review queue), with filters',
  flags: {
    merchant: { type: 'string', value: 'ID', help: "one merchant's companies" },
    status: { type: 'string', value: 'STATUS', help: `${ENTERPRISE_STATUSES.join(' or ')} (DISABLE: to review)` },
    limit: { type: 'string', value: 'N', help: `how many (1-${MAX_PAGE}, default 50)` },
    after: { type: 'string', value: 'EQ_ID', help: 'the page after this company (the last one listed)' },
  },
  details: ['With --json: a JSON array of objects with id, merchant_id, external_enterprise_id, status, rank...'],
  examples: [
    'umf-gateway enterprise list --status DISABLE',
    'umf-gateway enterprise list --merchant M20261203001 --json',
  ],
  async run({ flags, json, io, context }) {
    const status = upperChoice(flags, 'status', ENTERPRISE_STATUSES);
    const limit = integerFlag(flags, 'limit', 1, MAX_PAGE) ?? 50;
    const merchantId = stringFlag(flags, 'merchant')?.trim();
    if (merchantId === '') throw new UsageError('--merchant needs a merchant id (M...)');
    const ctx = await context();
    const service = ctx.services.enterprises;
    const afterId = stringFlag(flags, 'after')?.trim();
    let after: EnterpriseSearch['after'];
    if (afterId) {
      const anchor = await ctx.repositories.enterprises.byId(afterId);
      if (!anchor) throw new CommandError(`--after: no company ${afterId}`);
      after = { createdAt: anchor.created_at, id: anchor.id };
    }
    const found = await service.list({ limit, merchantId, status, after });
    if (json) {
      io.out(JSON.stringify(found.map(enterpriseJson), null, 2) + '\n');
      return 0;
    }
    const rows = found.map((e) => [
      e.id,
      e.merchant_id,
      e.external_enterprise_id,
      e.status,
      e.rank ?? (e.review_reason === null ? '' : 'rejected'),
      chinaReadable(e.created_at),
      e.enterprise_name,
    ]);
    io.out(
      textTable(['COMPANY', 'MERCHANT', 'EXTERNAL_ID', 'STATUS', 'RANK', 'REGISTERED', 'NAME'], rows, 'no companies'),
    );
    if (found.length === limit)
      io.out(`more: umf-gateway enterprise list --after ${found.at(-1)!.id} (with the same filters)\n`);
    return 0;
  },
};

const show: Command = {
  words: ['enterprise', 'show'],
  summary: 'one company: what the merchant registered, its status, rank and last review',
  args: ID_ARG,
  async run({ args, json, io, context }) {
    const ctx = await context();
    const found = await operatorCall(() => ctx.services.enterprises.show(args[0]!));
    io.out(printed(found, json));
    return 0;
  },
};

const approve: Command = {
  words: ['enterprise', 'approve'],
  summary: 'approve a company: DISABLE -> ENABLE with a rank (it may then pay B2B)',
  args: ID_ARG,
  flags: { rank: { type: 'string', value: 'RANK', help: `${ENTERPRISE_RANKS.join(', ')} (default A)` } },
  details: [
    'A rejected company may be approved once its papers are right; an ENABLE company is not reviewed',
    'again (00060783).',
  ],
  examples: ['umf-gateway enterprise approve EQ_GEYDAMBQGEZDK7CHIZEEO --rank OTHERS'],
  async run({ args, flags, json, io, context }) {
    const rank = upperChoice(flags, 'rank', ENTERPRISE_RANKS) ?? 'A';
    const ctx = await context();
    const approved = await operatorCall(() => ctx.services.enterprises.approve(args[0]!, rank));
    io.out(printed(approved, json));
    return 0;
  },
};

const reject: Command = {
  words: ['enterprise', 'reject'],
  summary: 'reject a company: it stays DISABLE, and the merchant sees the reason (review_reason)',
  args: ID_ARG,
  flags: { reason: { type: 'string', value: 'TEXT', help: `why, for the merchant (at most ${MAX_REVIEW_REASON})` } },
  examples: ['umf-gateway enterprise reject EQ_GEYDAMBQGEZDK7CHIZEEO --reason "The business licence is unreadable"'],
  async run({ args, flags, json, io, context }) {
    const reason = requiredFlag(flags, 'reason', 'TEXT', 'enterprise reject');
    if (reason.length > MAX_REVIEW_REASON)
      throw new UsageError(`--reason is longer than ${MAX_REVIEW_REASON} characters (${reason.length})`);
    const ctx = await context();
    const rejected = await operatorCall(() => ctx.services.enterprises.reject(args[0]!, reason));
    io.out(printed(rejected, json));
    return 0;
  },
};

export const ENTERPRISE_COMMANDS: readonly Command[] = [list, show, approve, reject];
