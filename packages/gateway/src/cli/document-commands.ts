/**
 * `umf-gateway documents list|show|approve|reject|download`: the operator's review of the B2B
 * transaction documents merchants upload over FTP (documents/document-service.ts, which the console
 * will call too). Approving releases the payment's held funds in the same transaction; rejecting lets
 * the merchant upload the next sequence.
 */
import { existsSync } from 'node:fs';
import { copyFile, constants as fsConstants } from 'node:fs/promises';
import { DOCUMENT_STATUSES, type DocumentStatus } from '../documents/document-record.ts';
import type { DocumentListing } from '../documents/document-repository.ts';
import { DocumentReviewError } from '../documents/document-service.ts';
import { chinaReadable } from '../time/china-time.ts';
import type { GatewayContext } from '../context.ts';
import { CommandError, type Command } from './command.ts';
import { choiceFlag, integerFlag, requiredFlag, stringFlag } from './flag-values.ts';
import { textFields, textTable } from './text-table.ts';

const DOC_ARG = [{ name: 'DOC_ID', help: 'the document (DOC_...; umf-gateway documents list shows them)' }] as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A document as `--json` prints it. */
export function documentJson(d: DocumentListing) {
  return {
    id: d.id,
    payment_id: d.payment_id,
    merchant_id: d.merchant_id,
    file_name: d.file_name,
    sequence: d.sequence,
    status: d.status,
    size: d.size_bytes,
    sha256: d.sha256,
    entries: d.entries.map((e) => ({ name: e.name, size: e.size })),
    review_reason: d.review_reason,
    reviewed_at: iso(d.reviewed_at),
    created_at: iso(d.created_at),
    payment_state: d.payment.state,
    funds_state: d.payment.fundsState,
    window_ends_at: iso(d.payment.fundsDueAt),
  };
}

function windowText(d: DocumentListing): string {
  if (d.payment.fundsDueAt === null) return '-';
  return chinaReadable(d.payment.fundsDueAt);
}

/** The review's refusals as one line (exit 1); anything else goes up. */
async function reviewing<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof DocumentReviewError) throw new CommandError(error.message);
    throw error;
  }
}

async function shown(ctx: GatewayContext, id: string): Promise<DocumentListing> {
  const document = await ctx.services.documents.show(id);
  if (!document) throw new CommandError(`no document ${id} (umf-gateway documents list shows them)`);
  return document;
}

const list: Command = {
  words: ['documents', 'list'],
  summary: 'B2B transaction documents uploaded over FTP, newest first',
  flags: {
    payment: { type: 'string', value: 'PAY_ID', help: "one payment's documents" },
    status: { type: 'string', value: 'STATUS', help: `${DOCUMENT_STATUSES.join(', ')}` },
    merchant: { type: 'string', value: 'ID', help: "one merchant's documents" },
    limit: { type: 'string', value: 'N', help: 'how many (1-500, default 100)' },
  },
  details: [
    '--json: an array of objects with id, payment_id, file_name, status, entries, size, created_at,',
    "window_ends_at (the end of the payment's document window) and more.",
  ],
  examples: ['umf-gateway documents list --status pending', 'umf-gateway documents list --payment PAY_... --json'],
  async run({ flags, json, io, context }) {
    const status = choiceFlag<DocumentStatus>(flags, 'status', DOCUMENT_STATUSES);
    const limit = integerFlag(flags, 'limit', 1, 500);
    const paymentId = stringFlag(flags, 'payment');
    const merchantId = stringFlag(flags, 'merchant');
    const documents = await (
      await context()
    ).services.documents.list({
      ...(paymentId ? { paymentId } : {}),
      ...(merchantId ? { merchantId } : {}),
      ...(status ? { status } : {}),
      ...(limit ? { limit } : {}),
    });
    if (json) {
      io.out(JSON.stringify(documents.map(documentJson), null, 2) + '\n');
      return 0;
    }
    const rows = documents.map((d) => [
      d.id,
      d.payment_id,
      d.file_name,
      d.status,
      String(d.entries.length),
      String(d.size_bytes),
      chinaReadable(d.created_at),
      windowText(d),
    ]);
    io.out(
      textTable(
        ['DOCUMENT', 'PAYMENT', 'FILE', 'STATUS', 'FILES', 'BYTES', 'UPLOADED', 'WINDOW ENDS'],
        rows,
        'no documents',
      ),
    );
    return 0;
  },
};

const show: Command = {
  words: ['documents', 'show'],
  summary: 'one document: its payment, status and the files in its ZIP',
  args: DOC_ARG,
  async run({ args, json, io, context }) {
    const d = await shown(await context(), args[0]!);
    if (json) {
      io.out(JSON.stringify(documentJson(d), null, 2) + '\n');
      return 0;
    }
    io.out(
      textFields({
        id: d.id,
        payment_id: d.payment_id,
        merchant_id: d.merchant_id,
        file_name: d.file_name,
        status: d.status,
        ...(d.review_reason ? { review_reason: d.review_reason } : {}),
        size: `${d.size_bytes} bytes`,
        sha256: d.sha256,
        uploaded: chinaReadable(d.created_at),
        ...(d.reviewed_at !== null ? { reviewed: chinaReadable(d.reviewed_at) } : {}),
        payment: `${d.payment.state}, funds ${d.payment.fundsState ?? 'none'}`,
        window_ends: windowText(d),
      }) +
        '\n' +
        textTable(
          ['FILE', 'BYTES'],
          d.entries.map((e) => [e.name, String(e.size)]),
          'no files',
        ),
    );
    return 0;
  },
};

const approve: Command = {
  words: ['documents', 'approve'],
  summary: "approve a pending document: the payment's held funds are released into settlement",
  args: DOC_ARG,
  details: [
    'In one transaction: the document pending -> approved and the release of the held funds. When the',
    'payment is not held any more (its document window passed and it was cancelled), nothing changes.',
  ],
  async run({ args, json, io, context }) {
    const ctx = await context();
    const approved = await reviewing(() => ctx.services.documents.approve(args[0]!));
    const d = await shown(ctx, approved.id);
    io.out(
      json
        ? JSON.stringify(documentJson(d), null, 2) + '\n'
        : `approved ${d.id} (${d.file_name}): the funds of ${d.payment_id} are released\n`,
    );
    return 0;
  },
};

const reject: Command = {
  words: ['documents', 'reject'],
  summary: 'reject a pending document with a reason: the merchant uploads again with the next sequence',
  args: DOC_ARG,
  flags: { reason: { type: 'string', value: 'TEXT', help: 'what is wrong (the merchant acts on it)' } },
  examples: ['umf-gateway documents reject DOC_... --reason "the invoice is missing"'],
  async run({ args, flags, json, io, context }) {
    const reason = requiredFlag(flags, 'reason', 'TEXT', 'documents reject');
    const ctx = await context();
    const rejected = await reviewing(() => ctx.services.documents.reject(args[0]!, reason));
    const d = await shown(ctx, rejected.id);
    io.out(json ? JSON.stringify(documentJson(d), null, 2) + '\n' : `rejected ${d.id} (${d.file_name}): ${reason}\n`);
    return 0;
  },
};

const download: Command = {
  words: ['documents', 'download'],
  summary: "write a document's ZIP to a file",
  args: DOC_ARG,
  flags: { out: { type: 'string', value: 'FILE', help: 'where to write it (must not exist)' } },
  async run({ args, flags, json, io, context }) {
    const out = requiredFlag(flags, 'out', 'FILE', 'documents download');
    const { document, path } = await reviewing(async () => (await context()).services.documents.file(args[0]!));
    if (!existsSync(path))
      throw new CommandError(
        `the file of ${document.id} is not in this data directory (${path}): use the gateway's --data-dir`,
      );
    try {
      await copyFile(path, out, fsConstants.COPYFILE_EXCL);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CommandError(
        code === 'EEXIST' ? `${out} exists: choose another --out` : `cannot write ${out}: ${code}`,
      );
    }
    io.out(json ? JSON.stringify({ id: document.id, file: out, size: document.size_bytes }) + '\n' : `${out}\n`);
    return 0;
  },
};

export const DOCUMENT_COMMANDS: readonly Command[] = [list, show, approve, reject, download];
