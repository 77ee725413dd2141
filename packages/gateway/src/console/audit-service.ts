/**
 * The console's audit log: who did what, when, to what and from which address. `record` takes the
 * transaction of the action it records where there is one (the entry commits with the action or not
 * at all), or writes its own. Details never hold a password or a secret: callers pass what a reader
 * of the log may see.
 */
import type { Store, Db } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import { newId } from '../store/ids.ts';
import type { AuditAction } from './audit-actions.ts';
import type { AuditEntry, AuditRepository, AuditSearch } from './audit-repository.ts';

export interface AuditRecord {
  /** The account's email (or, for a failed login, the email typed). */
  readonly actor: string;
  readonly action: AuditAction;
  /** What the action was about: a payment, an enterprise, an account... */
  readonly subject?: string | undefined;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
  /** The client's address. */
  readonly address?: string | undefined;
  /** The merchant concerned, when one is. */
  readonly merchantId?: string | undefined;
}

export interface AuditServiceDeps {
  readonly store: Store;
  readonly audit: AuditRepository;
  readonly clock: Clock;
}

/** The longest text of a detail value kept (a reason typed by an operator, an email typed at login). */
const MAX_DETAIL_TEXT = 500;

export class AuditService {
  readonly #deps: AuditServiceDeps;
  constructor(deps: AuditServiceDeps) {
    this.#deps = deps;
  }

  /** Writes the entry in `trx` when given (same transaction as the action), else in its own. */
  async record(entry: AuditRecord, trx?: Db): Promise<void> {
    const at = this.#deps.clock.now();
    const row: AuditEntry = {
      id: newId('AUD_', at),
      at,
      actor: entry.actor.slice(0, 254),
      action: entry.action,
      subject: entry.subject ?? null,
      detail: entry.detail ? trimmed(entry.detail) : null,
      address: entry.address ?? null,
      merchantId: entry.merchantId ?? null,
    };
    if (trx) await this.#deps.audit.insert(trx, row);
    else await this.#deps.store.write((t) => this.#deps.audit.insert(t, row));
  }

  list(search: AuditSearch): Promise<AuditEntry[]> {
    return this.#deps.audit.list(search);
  }
}

function trimmed(detail: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(detail)) {
    out[key] = typeof value === 'string' && value.length > MAX_DETAIL_TEXT ? value.slice(0, MAX_DETAIL_TEXT) : value;
  }
  return out;
}
