/**
 * The composition root: every repository and service of one gateway process, built once from the
 * store, the keys, the channels and the config, each from the list of what it uses. The HTTP app
 * (app.ts) hands each route plugin the services it uses; the workers (gateway.ts) get theirs; the
 * CLI builds the context too. Nothing here is a module global.
 */
import { join } from 'node:path';
import type { Store } from './store/database.ts';
import { systemClock, type Clock } from './time/clock.ts';
import { loadMasterKey, securePrivateFiles, type SecretBox } from './crypto/master-key.ts';
import { loadOrCreatePlatformKeys, type PlatformKeys } from './crypto/platform-keys.ts';
import { PageTokens } from './crypto/page-tokens.ts';
import { signSha256WithRsa } from './crypto/rsa-signature.ts';
import { CachingResponseSigner, type ResponseSigner } from './http/signed-body.ts';
import { apiBase } from './http/links.ts';
import { IdempotencyRepository } from './http/idempotency-repository.ts';
import { DEFAULT_DOCUMENT_WINDOW_MS, type GatewayConfig } from './config/gateway-config.ts';
import { isLoopbackHost } from './config/process-config.ts';
import { OutboundPolicy } from './outbound/outbound-policy.ts';
import type { Channels } from './channels/channels.ts';
import { resolveChannels, type ChannelsFactory } from './channels/connectors.ts';
import { sandboxChannels, type SandboxChannels } from './channels/sandbox/sandbox-channels.ts';
import { OutboxRepository } from './notifications/outbox-repository.ts';
import { Outbox } from './notifications/outbox.ts';
import { StateMover } from './lifecycle/state-mover.ts';
import { TimelineRepository } from './lifecycle/timeline-repository.ts';
import { MerchantRepository } from './merchants/merchant-repository.ts';
import { MerchantService } from './merchants/merchant-service.ts';
import { TokenRepository } from './oauth/token-repository.ts';
import { OAuthService } from './oauth/oauth-service.ts';
import { PaymentRepository } from './payments/payment-repository.ts';
import { AgreementRepository } from './payments/agreement-repository.ts';
import { OpenIdRepository } from './payments/open-id-repository.ts';
import { PaymentPresenter } from './payments/payment-view.ts';
import { PaymentLifecycle } from './payments/payment-lifecycle.ts';
import { PaymentService } from './payments/payment-service.ts';
import { CardPaymentService } from './payments/card-payment-service.ts';
import { WalletPaymentService } from './payments/wallet-payment-service.ts';
import { OpenIdService } from './payments/wechat-open-id.ts';
import { OnlineBankingService } from './payments/online-banking-service.ts';
import { HeldFunds } from './payments/held-funds.ts';
import { RefundRepository } from './refunds/refund-repository.ts';
import { RefundService } from './refunds/refund-service.ts';
import { renderRefund } from './refunds/refund-view.ts';
import type { RefundRecord } from './refunds/refund-record.ts';
import { CustomsRepository } from './customs/customs-repository.ts';
import { CustomsService } from './customs/customs-service.ts';
import { renderCustomsDeclaration } from './customs/customs-view.ts';
import type { CustomsRecord } from './customs/customs-record.ts';
import { TransactionRepository } from './reports/transaction-repository.ts';
import { SettlementRepository } from './settlement/settlement-repository.ts';
import { SettlementService } from './settlement/settlement-service.ts';
import { StatementRepository } from './settlement/statement-repository.ts';
import { EnterpriseRepository } from './enterprises/enterprise-repository.ts';
import { EnterpriseService } from './enterprises/enterprise-service.ts';
import { enterpriseAnswer } from './enterprises/enterprise-view.ts';
import type { EnterpriseRecord } from './enterprises/enterprise-record.ts';
import { DocumentRepository } from './documents/document-repository.ts';
import { DocumentService } from './documents/document-service.ts';
import { PaymentSearchService } from './payments/payment-search.ts';
import type { ArchiveLimits } from './documents/document-archive.ts';
import { AccountRepository } from './console/account-repository.ts';
import { SessionRepository } from './console/session-repository.ts';
import { AuditRepository } from './console/audit-repository.ts';
import { OverviewRepository } from './console/overview-repository.ts';
import { AuditService } from './console/audit-service.ts';
import { ConsoleAccountService } from './console/account-service.ts';

export interface KeyOptions {
  readonly dataDir: string;
  /** UMF_MASTER_KEY; otherwise `<dataDir>/master.key` (created 0600 on first start). */
  readonly masterKeyEnv?: string | undefined;
}

/** The platform's secrets: its signing key and certificate, and the keys derived from the master key. */
export interface GatewayKeys {
  readonly platform: PlatformKeys;
  /** Seals card data at rest. */
  readonly cardVault: SecretBox;
  /** Tokens in the URLs of pages (checkout, sandbox wallet, WeChat authorisation). */
  readonly pageTokens: PageTokens;
}

export async function loadKeys(options: KeyOptions, store: Store): Promise<GatewayKeys> {
  securePrivateFiles(options.dataDir);
  const master = loadMasterKey({ env: options.masterKeyEnv, keyFile: join(options.dataDir, 'master.key') });
  return {
    platform: await loadOrCreatePlatformKeys(store, master.derive('platform key')),
    cardVault: master.derive('card data'),
    pageTokens: new PageTokens(master),
  };
}

export interface ContextOptions extends KeyOptions {
  readonly config: GatewayConfig;
  readonly clock?: Clock | undefined;
  /** Real connectors (channels/connectors.ts); required for every channel outside sandbox mode. */
  readonly connectors?: ChannelsFactory | undefined;
  /** Sandbox bank: how late the late-answering test card answers. */
  readonly lateBankDelayMs?: number | undefined;
  /** B2B documents: limits of the ZIP uploads (tests make them small). */
  readonly documentLimits?: Partial<ArchiveLimits> | undefined;
}

export interface Services {
  readonly merchants: MerchantService;
  readonly oauth: OAuthService;
  readonly payments: PaymentService;
  readonly cards: CardPaymentService;
  readonly walletPayments: WalletPaymentService;
  readonly lifecycle: PaymentLifecycle;
  readonly openIds: OpenIdService;
  readonly refunds: RefundService;
  readonly customs: CustomsService;
  readonly settlement: SettlementService;
  readonly enterprises: EnterpriseService;
  /** Online banking (B2B and personal): the banks' results. */
  readonly onlineBanking: OnlineBankingService;
  /** B2B held funds: `release` (the documents' approval), the document window. */
  readonly heldFunds: HeldFunds;
  readonly documents: DocumentService;
  /** The console's payments list: filtered pages with a cursor, the CSV export. */
  readonly paymentSearch: PaymentSearchService;
  /** The console's accounts, logins and sessions. */
  readonly consoleAccounts: ConsoleAccountService;
  /** The console's audit log. */
  readonly audit: AuditService;
}

export interface Repositories {
  readonly merchants: MerchantRepository;
  readonly tokens: TokenRepository;
  readonly payments: PaymentRepository;
  readonly agreements: AgreementRepository;
  readonly openIds: OpenIdRepository;
  readonly refunds: RefundRepository;
  readonly customs: CustomsRepository;
  readonly transactions: TransactionRepository;
  readonly statements: StatementRepository;
  readonly settlements: SettlementRepository;
  readonly outbox: OutboxRepository;
  readonly timeline: TimelineRepository;
  readonly idempotency: IdempotencyRepository;
  readonly enterprises: EnterpriseRepository;
  readonly documents: DocumentRepository;
  readonly consoleAccounts: AccountRepository;
  readonly consoleSessions: SessionRepository;
  readonly consoleAudit: AuditRepository;
  readonly overview: OverviewRepository;
}

export interface Views {
  readonly payment: PaymentPresenter;
  readonly refund: (refund: RefundRecord) => Record<string, unknown>;
  readonly customs: (declaration: CustomsRecord) => Record<string, unknown>;
  /** The answer of a company: `{enterprise_qualification, links}`. */
  readonly enterprise: (enterprise: EnterpriseRecord) => Record<string, unknown>;
}

/** One gateway process's parts (see the header). */
export interface GatewayContext extends GatewayKeys {
  readonly store: Store;
  /** The store's database, for inspection (tests, scripts): SQL of the gateway itself lives in repositories. */
  readonly db: Store['db'];
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly signer: ResponseSigner;
  readonly channels: Channels;
  /** The sandbox's parties in sandbox mode (their sandbox-only calls: rates, SMS inbox...). */
  readonly sandbox: SandboxChannels | undefined;
  readonly outbox: Outbox;
  /** Which addresses notify_url, ret_url and the open_id redirect may point at (config.outbound). */
  readonly outbound: OutboundPolicy;
  readonly repositories: Repositories;
  readonly services: Services;
  readonly views: Views;
}

export async function createContext(options: ContextOptions, store: Store): Promise<GatewayContext> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const keys = await loadKeys(options, store);
  const { platform, cardVault, pageTokens } = keys;
  const publicUrl = () => config.publicUrl;
  const channelsContext = { store, clock, publicUrl, pageTokens };
  const sandbox = config.sandbox
    ? sandboxChannels(channelsContext, { lateBankDelayMs: options.lateBankDelayMs })
    : undefined;
  const channels = await resolveChannels({
    sandbox: config.sandbox,
    context: channelsContext,
    connectors: options.connectors,
    sandboxChannels: () => sandbox ?? {},
  });

  const outbound = new OutboundPolicy(config.outbound ?? defaultOutbound(config));

  const db = store.db;
  const repositories: Repositories = {
    merchants: new MerchantRepository(db),
    tokens: new TokenRepository(db),
    payments: new PaymentRepository(db),
    agreements: new AgreementRepository(db),
    openIds: new OpenIdRepository(db),
    refunds: new RefundRepository(db),
    customs: new CustomsRepository(db),
    transactions: new TransactionRepository(db),
    statements: new StatementRepository(db),
    settlements: new SettlementRepository(db),
    outbox: new OutboxRepository(db),
    timeline: new TimelineRepository(),
    idempotency: new IdempotencyRepository(db),
    enterprises: new EnterpriseRepository(db),
    documents: new DocumentRepository(db),
    consoleAccounts: new AccountRepository(db),
    consoleSessions: new SessionRepository(db),
    consoleAudit: new AuditRepository(db),
    overview: new OverviewRepository(db),
  };
  const outbox = new Outbox({
    repository: repositories.outbox,
    sign: (body) => signSha256WithRsa(platform.privateKey, body),
  });
  const mover = new StateMover({ store, timeline: repositories.timeline, outbox });
  const urls = { publicUrl, pageTokens };
  const views: Views = {
    payment: new PaymentPresenter({ ...urls, bankPageUrl: (order) => channels.corporateBank.paymentPageUrl(order) }),
    refund: (refund) => renderRefund(refund, apiBase(urls)),
    customs: (declaration) => renderCustomsDeclaration(declaration, apiBase(urls)),
    enterprise: (enterprise) => enterpriseAnswer(enterprise, apiBase(urls)),
  };

  const merchants = new MerchantService({ store, merchants: repositories.merchants, clock });
  const oauth = new OAuthService({
    store,
    tokens: repositories.tokens,
    merchants: repositories.merchants,
    clock,
    tokenTtlSeconds: config.tokenTtlSeconds,
  });
  const lifecycle = new PaymentLifecycle({
    mover,
    payments: repositories.payments,
    agreements: repositories.agreements,
    timeline: repositories.timeline,
    presenter: views.payment,
    cardVault,
    clock,
    documentWindowMs: config.documentWindowMs ?? DEFAULT_DOCUMENT_WINDOW_MS,
  });
  const enterprises = new EnterpriseService({ store, enterprises: repositories.enterprises, clock });
  const payments = new PaymentService({
    store,
    payments: repositories.payments,
    agreements: repositories.agreements,
    openIds: repositories.openIds,
    timeline: repositories.timeline,
    lifecycle,
    presenter: views.payment,
    fx: channels.fx,
    wallet: channels.wallet,
    clock,
    outbound,
    enterprises,
  });
  const cards = new CardPaymentService({
    store,
    payments: repositories.payments,
    agreements: repositories.agreements,
    timeline: repositories.timeline,
    mover,
    lifecycle,
    paymentService: payments,
    cardBank: channels.cardBank,
    sms: channels.sms,
    cardVault,
    decryptor: platform.decryptor,
    clock,
  });
  const walletPayments = new WalletPaymentService({
    payments: repositories.payments,
    paymentService: payments,
    lifecycle,
    clock,
  });
  const openIds = new OpenIdService({ store, openIds: repositories.openIds, pageTokens, clock });
  const onlineBanking = new OnlineBankingService({
    payments: repositories.payments,
    enterprises: repositories.enterprises,
    lifecycle,
    bank: channels.corporateBank,
    clock,
  });
  channels.corporateBank.onResult(async (result) => {
    await onlineBanking.receive(result);
  });
  const heldFunds = new HeldFunds({
    store,
    payments: repositories.payments,
    timeline: repositories.timeline,
    mover,
    presenter: views.payment,
    bank: channels.corporateBank,
    fx: channels.fx,
    clock,
  });
  const refunds = new RefundService({
    store,
    refunds: repositories.refunds,
    payments: repositories.payments,
    paymentService: payments,
    timeline: repositories.timeline,
    mover,
    channels,
    render: views.refund,
    clock,
    outbound,
  });
  const customs = new CustomsService({
    store,
    declarations: repositories.customs,
    paymentService: payments,
    timeline: repositories.timeline,
    mover,
    customs: channels.customs,
    render: views.customs,
    clock,
    outbound,
  });
  const settlement = new SettlementService({
    store,
    settlements: repositories.settlements,
    merchants: repositories.merchants,
    fx: channels.fx,
    clock,
  });

  const documents = new DocumentService({
    store,
    documents: repositories.documents,
    payments: repositories.payments,
    timeline: repositories.timeline,
    mover,
    heldFunds,
    clock,
    dataDir: options.dataDir,
    limits: options.documentLimits,
  });

  const audit = new AuditService({ store, audit: repositories.consoleAudit, clock });
  const consoleAccounts = new ConsoleAccountService({
    store,
    accounts: repositories.consoleAccounts,
    sessions: repositories.consoleSessions,
    merchants: repositories.merchants,
    audit,
    clock,
  });

  return {
    ...keys,
    store,
    db,
    config,
    clock,
    signer: new CachingResponseSigner(platform.privateKey),
    channels,
    sandbox,
    outbox,
    outbound,
    repositories,
    services: {
      merchants,
      oauth,
      payments,
      cards,
      walletPayments,
      lifecycle,
      openIds,
      refunds,
      customs,
      settlement,
      enterprises,
      onlineBanking,
      heldFunds,
      documents,
      paymentSearch: new PaymentSearchService({ payments: repositories.payments }),
      consoleAccounts,
      audit,
    },
    views,
  };
}

/** Without settings: internal addresses are allowed only for a sandbox gateway on loopback. */
function defaultOutbound(config: GatewayConfig): { allowPrivate: boolean; allow: readonly string[] } {
  let loopback = false;
  try {
    loopback = isLoopbackHost(new URL(config.publicUrl).hostname);
  } catch {
    loopback = false;
  }
  return { allowPrivate: config.sandbox && loopback, allow: [] };
}
