/**
 * B2B transaction documents (reference 4.4): the uploads a merchant sends over FTP (document-ftp.ts)
 * and their review by the operator (CLI now, console next: `list`, `show`, `approve`, `reject`,
 * `file`).
 *
 * An upload is accepted when its name (document-name.ts) names a paid B2B payment of the uploading
 * merchant whose funds are held (TRADE_SUCCESS, funds_state `held`), whose documents are not approved
 * yet, with a sequence above every sequence already used for it (a name is never reused: nothing is
 * overwritten), and when it is a ZIP that passes document-archive.ts. It is then stored under
 * `<data-dir>/documents/<merchant>/` (0700 folders, 0600 files), recorded `pending` with its entries,
 * and supersedes the payment's pending uploads of lower sequence, in one transaction with the
 * payment's timeline event. A refused upload keeps nothing.
 *
 * Approval: in one transaction the document pending -> approved (guarded, through the state mover)
 * and HeldFunds.release (payments/: held -> released, the ledger entry); when the release says no (the
 * window passed and the payment was cancelled, or it was released already) the whole approval rolls
 * back. Rejection: pending -> rejected with the reason; the merchant may upload the next sequence.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../time/clock.ts';
import type { StateMover } from '../lifecycle/state-mover.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';
import type { PaymentRepository } from '../payments/payment-repository.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import { numberOf } from '../store/records.ts';
import { DEFAULT_ARCHIVE_LIMITS, inspectArchive, type ArchiveLimits } from './document-archive.ts';
import { parseDocumentName, sequenceText, type DocumentName } from './document-name.ts';
import { DOCUMENT_MACHINE, type DocumentRecord, type DocumentStatus } from './document-record.ts';
import type { DocumentListing, DocumentRepository } from './document-repository.ts';
import type { HeldFunds } from './held-funds.ts';

/** Why an upload was refused: `name` (the file name), `payment`, `sequence`, `archive` (its content). */
export interface UploadRefusal {
  readonly refused: 'name' | 'payment' | 'sequence' | 'archive';
  readonly message: string;
}

/** Why a review could not be done (the CLI says the message; the console will too). */
export type ReviewProblem = 'not_found' | 'not_pending' | 'funds_not_held' | 'reason_missing' | 'file_missing';

export class DocumentReviewError extends Error {
  readonly problem: ReviewProblem;
  constructor(problem: ReviewProblem, message: string) {
    super(message);
    this.name = 'DocumentReviewError';
    this.problem = problem;
  }
}

/** Thrown inside the approval's transaction to roll it back when the funds are not held any more. */
class FundsNotHeld extends Error {}

export interface DocumentServiceDeps {
  readonly store: Store;
  readonly documents: DocumentRepository;
  readonly payments: PaymentRepository;
  readonly timeline: TimelineRepository;
  readonly mover: StateMover;
  readonly heldFunds: HeldFunds;
  readonly clock: Clock;
  /** The data directory: files go to `documents/<merchant>/` in it. */
  readonly dataDir: string;
  readonly limits?: Partial<ArchiveLimits> | undefined;
}

export class DocumentService {
  readonly #deps: DocumentServiceDeps;
  readonly limits: ArchiveLimits;
  constructor(deps: DocumentServiceDeps) {
    this.#deps = deps;
    this.limits = { ...DEFAULT_ARCHIVE_LIMITS, ...deps.limits };
  }

  // ---- uploads (document-ftp.ts)

  /** The merchant's uploads, oldest first (its FTP folder). */
  filesOf(merchantId: string): Promise<DocumentRecord[]> {
    return this.#deps.documents.ofMerchant(merchantId);
  }

  /** Whether an upload under `fileName` would be refused before its content is seen. */
  async checkUpload(merchantId: string, fileName: string): Promise<UploadRefusal | undefined> {
    const checked = await this.#checkName(merchantId, fileName);
    return 'refused' in checked ? checked : undefined;
  }

  /** Accepts an upload (see the header): the recorded document, or why nothing was kept. */
  async accept(merchantId: string, fileName: string, data: Buffer): Promise<DocumentRecord | UploadRefusal> {
    const checked = await this.#checkName(merchantId, fileName);
    if ('refused' in checked) return checked;
    const { name, payment } = checked;
    const inspection = await inspectArchive(data, this.limits);
    if ('problem' in inspection) return { refused: 'archive', message: `${inspection.problem}: nothing was kept` };
    const { store, documents, payments, timeline, clock, dataDir } = this.#deps;
    const folder = join(dataDir, 'documents', merchantId);
    await mkdir(join(dataDir, 'documents'), { recursive: true, mode: 0o700 });
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const storedPath = join('documents', merchantId, fileName);
    const partial = join(folder, `.${randomBytes(8).toString('hex')}.part`);
    await writeFile(partial, data, { mode: 0o600, flag: 'wx' });
    const now = clock.now();
    let outcome: DocumentRecord | UploadRefusal;
    try {
      outcome = await store.write(async (trx) => {
        // Again inside the transaction: the payment may have moved since the name was checked.
        const current = await payments.findById(payment.id, trx);
        const problem = current && this.#paymentProblem(current, name);
        if (!current || problem) return problem ?? unknownPayment(name);
        const uploads = await documents.uploadsOf(payment.id, trx);
        const sequenceProblem = this.#sequenceProblem(name, uploads);
        if (sequenceProblem) return sequenceProblem;
        const document = await documents.insert(trx, {
          id: newId('DOC_', now),
          merchantId,
          paymentId: payment.id,
          fileName,
          sequence: name.sequence,
          sizeBytes: data.length,
          sha256: createHash('sha256').update(data).digest('hex'),
          entries: inspection.entries,
          storedPath,
          createdAt: now,
        });
        const superseded = await documents.supersedePending(trx, payment.id, name.sequence, now);
        await timeline.record(
          trx,
          {
            paymentId: payment.id,
            type: 'documents_uploaded',
            detail: `${document.id} ${fileName}${superseded.length ? ` (supersedes ${superseded.join(', ')})` : ''}`,
          },
          now,
        );
        return document;
      });
    } catch (error) {
      await unlink(partial).catch(() => {});
      if (isUniqueViolation(error))
        return { refused: 'sequence', message: `${fileName} exists already: files are never overwritten` };
      throw error;
    }
    if ('refused' in outcome) {
      await unlink(partial).catch(() => {});
      return outcome;
    }
    await rename(partial, join(dataDir, storedPath));
    return outcome;
  }

  async #checkName(
    merchantId: string,
    fileName: string,
  ): Promise<{ name: DocumentName; payment: PaymentRecord } | UploadRefusal> {
    const name = parseDocumentName(fileName);
    if ('problem' in name) return { refused: 'name', message: name.problem };
    const payment = await this.#deps.payments.findB2bPayment(merchantId, name.merReferenceId, name.merDate);
    if (!payment) return unknownPayment(name);
    const problem = this.#paymentProblem(payment, name);
    if (problem) return problem;
    const sequenceProblem = this.#sequenceProblem(name, await this.#deps.documents.uploadsOf(payment.id));
    if (sequenceProblem) return sequenceProblem;
    return { name, payment };
  }

  /** Why documents cannot be uploaded for this payment now, or undefined. */
  #paymentProblem(payment: PaymentRecord, name: DocumentName): UploadRefusal | undefined {
    const refuse = (message: string): UploadRefusal => ({ refused: 'payment', message });
    const dueAt = payment.funds_due_at === null ? undefined : numberOf(payment.funds_due_at);
    if (payment.state === 'TRADE_CANCEL' || payment.funds_state === 'returned')
      return refuse(
        `payment ${payment.id} (${name.merReferenceId}, ${name.merDate}) was cancelled` +
          (dueAt ? ` when its document window ended at ${new Date(dueAt).toISOString()}` : '') +
          ' and the money returned: no documents are taken for it',
      );
    if (payment.state === 'WAIT_BUYER_PAY')
      return refuse(`payment ${payment.id} is not paid yet (WAIT_BUYER_PAY): upload its documents once it is paid`);
    if (payment.state !== 'TRADE_SUCCESS')
      return refuse(`payment ${payment.id} is ${payment.state}: documents are taken for paid payments only`);
    if (payment.funds_state === 'released')
      return refuse(`the documents of payment ${payment.id} are approved already (its funds are released)`);
    if (payment.funds_state !== 'held') return refuse(`payment ${payment.id} holds no funds waiting for documents`);
    return undefined;
  }

  #sequenceProblem(
    name: DocumentName,
    uploads: { lastSequence: number | undefined; approved: boolean },
  ): UploadRefusal | undefined {
    if (uploads.approved)
      return {
        refused: 'payment',
        message: `the documents of this payment are approved already: nothing more is taken`,
      };
    if (uploads.lastSequence !== undefined && name.sequence <= uploads.lastSequence) {
      const next = uploads.lastSequence + 1;
      return {
        refused: 'sequence',
        message:
          `sequence ${sequenceText(name.sequence)} is used already for this payment (the last is ` +
          `${sequenceText(uploads.lastSequence)}): files are never overwritten` +
          (next <= 9999 ? `; upload with ${sequenceText(next)}` : ''),
      };
    }
    return undefined;
  }

  // ---- review (CLI, console)

  /** Documents for the reviewer, newest first (default: the first 100). */
  list(
    filter: { paymentId?: string; merchantId?: string; status?: DocumentStatus; limit?: number } = {},
  ): Promise<DocumentListing[]> {
    return this.#deps.documents.search({ ...filter, limit: filter.limit ?? 100 });
  }

  /** One document with its payment's state and window, or undefined. */
  show(documentId: string): Promise<DocumentListing | undefined> {
    return this.#deps.documents.listing(documentId);
  }

  /** The path of the document's ZIP (a DocumentReviewError when there is no such document or file). */
  async file(documentId: string): Promise<{ document: DocumentRecord; path: string }> {
    const document = await this.#deps.documents.findById(documentId);
    if (!document) throw notFound(documentId);
    return { document, path: join(this.#deps.dataDir, document.stored_path) };
  }

  /** Approves a pending document and releases the payment's held funds, in one transaction. */
  async approve(documentId: string): Promise<DocumentRecord> {
    const { documents, mover, heldFunds, clock } = this.#deps;
    const document = await this.#pending(documentId);
    // The rate is asked of the FX feed before the transaction (nothing slow runs inside one).
    const rate = await heldFunds.releaseRate(document.payment_id);
    const now = clock.now();
    let moved: DocumentRecord | undefined;
    try {
      moved = await mover.apply({
        machine: DOCUMENT_MACHINE,
        from: 'pending',
        to: 'approved',
        now,
        update: (trx) => documents.move(trx, documentId, 'pending', 'approved', { reviewedAt: now }),
        after: async (trx, approved) => {
          if (!(await heldFunds.release(trx, approved.payment_id, now, rate))) throw new FundsNotHeld();
        },
        event: (approved) => ({ paymentId: approved.payment_id, type: 'documents_approved', detail: approved.id }),
      });
    } catch (error) {
      if (!(error instanceof FundsNotHeld)) throw error;
      const payment = await this.#deps.payments.findById(document.payment_id);
      throw new DocumentReviewError(
        'funds_not_held',
        `${documentId} cannot be approved: payment ${document.payment_id} ` +
          (payment?.state === 'TRADE_CANCEL' || payment?.funds_state === 'returned'
            ? 'was cancelled when its document window passed, and the money returned'
            : payment?.funds_state === 'released'
              ? 'has its funds released already'
              : `holds no funds (${payment?.state ?? 'unknown'}, funds ${payment?.funds_state ?? 'none'})`) +
          '; nothing was changed',
      );
    }
    if (!moved) throw await this.#notPending(documentId);
    return moved;
  }

  /** Rejects a pending document with the reason (the merchant may upload the next sequence). */
  async reject(documentId: string, reason: string): Promise<DocumentRecord> {
    const text = reason.trim();
    if (!text) throw new DocumentReviewError('reason_missing', 'a rejection needs a reason the merchant can act on');
    const { documents, mover, clock } = this.#deps;
    await this.#pending(documentId);
    const now = clock.now();
    const moved = await mover.apply({
      machine: DOCUMENT_MACHINE,
      from: 'pending',
      to: 'rejected',
      now,
      update: (trx) => documents.move(trx, documentId, 'pending', 'rejected', { reviewedAt: now, reviewReason: text }),
      event: (rejected) => ({
        paymentId: rejected.payment_id,
        type: 'documents_rejected',
        detail: `${rejected.id}: ${text}`,
      }),
    });
    if (!moved) throw await this.#notPending(documentId);
    return moved;
  }

  async #pending(documentId: string): Promise<DocumentRecord> {
    const document = await this.#deps.documents.findById(documentId);
    if (!document) throw notFound(documentId);
    if (document.status !== 'pending') throw await this.#notPending(documentId);
    return document;
  }

  async #notPending(documentId: string): Promise<DocumentReviewError> {
    const document = await this.#deps.documents.findById(documentId);
    if (!document) return notFound(documentId);
    return new DocumentReviewError(
      'not_pending',
      `${documentId} is ${document.status}` +
        (document.status === 'superseded' ? ' (a later upload of the same payment replaced it)' : '') +
        ': only pending documents are reviewed',
    );
  }
}

function notFound(documentId: string): DocumentReviewError {
  return new DocumentReviewError('not_found', `no document ${documentId} (umf-gateway documents list shows them)`);
}

/** The same words for another merchant's order as for none at all. */
function unknownPayment(name: DocumentName): UploadRefusal {
  return {
    refused: 'payment',
    message:
      `no B2B payment of yours has mer_reference_id ${JSON.stringify(name.merReferenceId)} ` +
      `and mer_date ${name.merDate}`,
  };
}
