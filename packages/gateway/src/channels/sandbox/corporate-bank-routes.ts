/**
 * The sandbox online bank's pages (sandbox mode only): the bank a B2B (or personal online-banking)
 * payment's `upay` link, or the hosted checkout's bank button, sends the payer to. Every step is a
 * POST carrying the page's token (sandbox-corporate-bank.ts pageToken); a token that outlived its
 * payment gets the "link expired" page (410). The bank debits the sandbox account and tells the
 * platform asynchronously (CorporateBank onResult); the receipt leads back to the merchant's ret_url.
 *
 *   GET  /sandbox/bank/{bank}/{id}?t=TOKEN          log in: the order and the sandbox accounts
 *   POST /sandbox/bank/{bank}/{id}/login            account, password -> the confirmation step
 *   POST /sandbox/bank/{bank}/{id}/pay              account, login proof, U-shield code -> pay
 *   GET  /sandbox/bank/{bank}/{id}/result?t=TOKEN   the bank's receipt, the way back to ret_url
 *   GET  /sandbox/bank/{bank}/{id}/cancel?t=TOKEN   back to ret_url (nothing paid; the order stays open)
 *
 * A payment straight to the bank (DIRECT_TO_BANK) is paid at its own bank_code's page only; one of
 * the hosted checkout at any bank of the online-banking list.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { PageTokens } from '../../crypto/page-tokens.ts';
import type { PaymentRecord } from '../../payments/payment-record.ts';
import { isWebPayment, onlineBankingOf } from '../../payments/payment-record.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { OnlineBankingService } from '../../payments/online-banking-service.ts';
import type { MerchantService } from '../../merchants/merchant-service.ts';
import { ONLINE_BANKING_BANKS, type Bank } from '../../reference/banks.ts';
import type { Lang } from '../../pages/layout.ts';
import { payerMessage, type PayerMessage } from '../../pages/i18n.ts';
import { pathWith } from '../../pages/common.ts';
import {
  answerErrorsWithPages,
  field,
  formOf,
  langOf,
  nonce,
  sendError,
  sendHtml,
  type Query,
} from '../../pages/page-kit.ts';
import {
  bankCancelledPage,
  bankConfirmPage,
  bankLoginPage,
  bankReceiptPage,
  bankRefusal,
  type BankPageContext,
} from './corporate-bank-pages.ts';
import {
  payerAccounts,
  SANDBOX_BANK_PASSWORD,
  type SandboxBankAccount,
  type SandboxCorporateBank,
} from './sandbox-corporate-bank.ts';

export interface CorporateBankRoutesDeps {
  readonly payments: PaymentService;
  readonly onlineBanking: OnlineBankingService;
  readonly merchants: MerchantService;
  readonly bank: SandboxCorporateBank;
  readonly pageTokens: PageTokens;
  /** The time (the gateway's clock): page tokens expire with their payment. */
  readonly now: () => number;
}

type BankParams = { Params: { bank: string; id: string }; Querystring: Query };

export const bankPath = (bank: Bank, id: string): string => `/sandbox/bank/${bank.code.toLowerCase()}/${id}`;

export function corporateBankRoutes(deps: CorporateBankRoutesDeps): FastifyPluginAsync {
  const { payments, onlineBanking, merchants, bank: sandboxBank, pageTokens, now } = deps;
  const findPayment = (id: string) => payments.findById(id);
  return async (app) => {
    answerErrorsWithPages(app);

    /** The bank and the payment of a bank URL, or the error page already sent. */
    async function opened(
      request: FastifyRequest<BankParams>,
      reply: FastifyReply,
      token: string,
      lang: Lang,
    ): Promise<{ bank: Bank; record: PaymentRecord; context: BankPageContext } | undefined> {
      const bank = ONLINE_BANKING_BANKS.find((b) => b.code.toLowerCase() === request.params.bank);
      const found = await pageTokens.openPayment('online-bank', request.params.id, token, findPayment, now());
      if ('refused' in found) {
        sendError(reply, lang, found.refused);
        return undefined;
      }
      const { record } = found;
      const kind = onlineBankingOf(record);
      // Straight to the bank: that bank only; through the checkout: any bank of the list.
      const atItsBank = bank !== undefined && (isWebPayment(record) || record.bank_code === bank.code);
      if (!kind || !bank || !atItsBank) {
        sendError(reply, lang, 'pageNotFound');
        return undefined;
      }
      const company = kind === 'B2B' ? await onlineBanking.payingCompanyOf(record) : undefined;
      const context: BankPageContext = {
        lang,
        bank,
        kind,
        row: record,
        merchantName: await merchants.nameOf(record.merchant_id),
        companyName: company?.enterprise_name,
        selfUrl: pathWith(bankPath(bank, record.id), { t: token }),
        cancelUrl: pathWith(`${bankPath(bank, record.id)}/cancel`, { t: token, lang }),
      };
      return { bank, record, context };
    }

    async function renderLogin(
      reply: FastifyReply,
      found: { bank: Bank; record: PaymentRecord; context: BankPageContext },
      token: string,
      options: { chosen?: string; error?: PayerMessage; status?: number } = {},
    ) {
      const accounts = await Promise.all(
        payerAccounts(found.record).map(async (account) => ({
          account,
          balanceFen: await sandboxBank.balance(account),
        })),
      );
      const scriptNonce = nonce();
      const page = bankLoginPage({
        ...found.context,
        accounts,
        token,
        loginAction: `${bankPath(found.bank, found.record.id)}/login`,
        chosen: options.chosen,
        error: options.error,
        nonce: scriptNonce,
      });
      return sendHtml(reply, options.status ?? 200, page, scriptNonce);
    }

    async function renderConfirm(
      reply: FastifyReply,
      found: { bank: Bank; record: PaymentRecord; context: BankPageContext },
      token: string,
      account: SandboxBankAccount,
      options: { error?: PayerMessage; status?: number } = {},
    ) {
      const scriptNonce = nonce();
      const page = bankConfirmPage({
        ...found.context,
        account,
        balanceFen: await sandboxBank.balance(account),
        token,
        proof: sandboxBank.loginProof(found.record.id, account.key),
        payAction: `${bankPath(found.bank, found.record.id)}/pay`,
        loginUrl: pathWith(bankPath(found.bank, found.record.id), { t: token, lang: found.context.lang }),
        ushieldCode: sandboxBank.ushieldCode(found.record.id),
        error: options.error,
        nonce: scriptNonce,
      });
      return sendHtml(reply, options.status ?? 200, page, scriptNonce);
    }

    app.get<BankParams>('/sandbox/bank/:bank/:id', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await opened(request, reply, token, lang);
      if (!found) return reply;
      return renderLogin(reply, found, token);
    });

    app.post<BankParams>('/sandbox/bank/:bank/:id/login', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const found = await opened(request, reply, token, lang);
      if (!found) return reply;
      const chosen = field(form, 'account');
      const account = payerAccounts(found.record).find((a) => a.number === chosen);
      if (!account || field(form, 'password') !== SANDBOX_BANK_PASSWORD) {
        return renderLogin(reply, found, token, { chosen, error: bankRefusal(lang, 'badPassword'), status: 401 });
      }
      return renderConfirm(reply, found, token, account);
    });

    app.post<BankParams>('/sandbox/bank/:bank/:id/pay', async (request, reply) => {
      const form = formOf(request);
      const lang = langOf(request, form);
      const token = field(form, 't');
      const found = await opened(request, reply, token, lang);
      if (!found) return reply;
      const { bank, record } = found;
      const account = payerAccounts(record).find((a) => a.number === field(form, 'account'));
      // The login proof: this account was logged in to for this payment (a forged form is sent back to log in).
      if (!account || field(form, 'proof') !== sandboxBank.loginProof(record.id, account.key)) {
        return renderLogin(reply, found, token, { error: bankRefusal(lang, 'badPassword'), status: 401 });
      }
      if (record.state !== 'WAIT_BUYER_PAY') return renderConfirm(reply, found, token, account, { status: 409 });
      if (field(form, 'ushield') !== sandboxBank.ushieldCode(record.id)) {
        return renderConfirm(reply, found, token, account, { error: bankRefusal(lang, 'badCode'), status: 400 });
      }
      const paid = await sandboxBank.pay({
        paymentId: record.id,
        bankCode: bank.code,
        account,
        amountFen: record.total_cny_minor,
        now: now(),
      });
      if (paid.outcome === 'insufficient_funds') {
        const error = payerMessage(lang, 'insufficient_funds');
        return renderConfirm(reply, found, token, account, { error, status: 402 });
      }
      // The platform hears about it asynchronously (paid.delivered); the payer sees the bank's receipt.
      const result = pathWith(`${bankPath(bank, record.id)}/result`, { t: token, lang });
      return reply.redirect(result, 303);
    });

    app.get<BankParams>('/sandbox/bank/:bank/:id/result', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await opened(request, reply, token, lang);
      if (!found) return reply;
      const debit = await sandboxBank.debitOf(found.record.id);
      if (!debit) return reply.redirect(pathWith(bankPath(found.bank, found.record.id), { t: token, lang }), 303);
      const account = payerAccounts(found.record).find((a) => a.key === debit.account);
      const page = bankReceiptPage({
        ...found.context,
        account: account?.number,
        paidAt: debit.at,
        returnUrl: found.record.ret_url ?? undefined,
      });
      return sendHtml(reply, 200, page);
    });

    app.get<BankParams>('/sandbox/bank/:bank/:id/cancel', async (request, reply) => {
      const lang = langOf(request);
      const token = request.query.t ?? '';
      const found = await opened(request, reply, token, lang);
      if (!found) return reply;
      // Nothing is paid and the order stays open (like leaving a wallet page): the payer may come back.
      if (found.record.ret_url) return reply.redirect(found.record.ret_url, 303);
      return sendHtml(reply, 200, bankCancelledPage(found.context));
    });
  };
}
