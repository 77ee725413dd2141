/**
 * A running gateway: store, context (context.ts: keys, channels, repositories, services), the HTTP
 * app and the background workers. `startGateway` is what `umf-gateway serve` and the end-to-end
 * tests call.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openStore } from './store/database.ts';
import type { Clock } from './time/clock.ts';
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_EXPIRE_MINUTES,
  DEFAULT_TOKEN_TTL_SECONDS,
  type GatewayConfig,
  type SandboxAccess,
} from './config/gateway-config.ts';
import type { ChannelsFactory } from './channels/connectors.ts';
import { createContext, type GatewayContext } from './context.ts';
import { buildApp } from './app.ts';
import { NotificationWorker } from './notifications/notification-worker.ts';
import { NotificationListeners } from './notifications/notification-listeners.ts';
import { PaymentJobs } from './workers/payment-jobs.ts';
import { RefundJobs } from './workers/refund-jobs.ts';
import { CustomsJobs } from './workers/customs-jobs.ts';
import { SettlementJobs } from './workers/settlement-jobs.ts';
import { HeldFundsJobs } from './workers/held-funds-jobs.ts';
import { DEFAULT_SETTLEMENT_SCHEDULE, type SettlementSchedule } from './settlement/settlement-schedule.ts';
import type { OutboundSettings } from './outbound/outbound-policy.ts';
import { FtpServer, type FtpLimits } from './ftp/ftp-server.ts';
import { documentsFtpBackend } from './documents/document-ftp.ts';
import type { ArchiveLimits } from './documents/document-archive.ts';
import type { FtpAccount } from './merchants/merchant-repository.ts';

/** The documents FTP server's settings (UMF_FTP_*: config/process-config.ts). */
export interface FtpOptions {
  /** The address announced for passive mode (UMF_FTP_PASV_URL); default the address the client reached. */
  readonly pasvAddress?: string | undefined;
  /** UMF_FTP_PASV_PORTS */
  readonly pasvPorts?: { readonly min: number; readonly max: number } | undefined;
  /** Explicit FTPS (then required): PEM certificate and key (UMF_FTP_TLS_CERT, UMF_FTP_TLS_KEY). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  /** Connection, login and transfer limits (ftp/ftp-server.ts DEFAULT_FTP_LIMITS). */
  readonly limits?: Partial<FtpLimits> | undefined;
}

export interface GatewayOptions {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly masterKeyEnv?: string | undefined;
  readonly sandbox?: boolean;
  /** Who may call the sandbox JSON endpoints (default `loopback`: config/gateway-config.ts). */
  readonly sandboxAccess?: SandboxAccess;
  /** Real connectors (channels/connectors.ts): every channel outside sandbox mode, any of them in it. */
  readonly channels?: ChannelsFactory | undefined;
  readonly tokenTtlSeconds?: number;
  readonly clock?: Clock;
  readonly logger?: FastifyServerOptions['logger'];
  /** Start the notification worker and the jobs (default true). */
  readonly workers?: boolean;
  /** Sandbox bank: how late the late-answering test card answers. */
  readonly lateBankDelayMs?: number;
  readonly notifierPollMs?: number;
  /** When settlement runs on its own (default: 02:00 China time, cut-off 00:00). */
  readonly settlement?: SettlementSchedule;
  /** How often the settlement worker checks whether today's run is due (default 60 s). */
  readonly settlementCheckMs?: number;
  /**
   * Which addresses notify_url, ret_url and the open_id redirect may point at (UMF_NOTIFY_ALLOW,
   * UMF_NOTIFY_ALLOW_PRIVATE); default: internal addresses only for a sandbox gateway whose publicUrl is loopback.
   */
  readonly outbound?: OutboundSettings | undefined;
  /** UMF_B2B_DOCUMENT_WINDOW in milliseconds (default 24 h). */
  readonly documentWindowMs?: number | undefined;
  /** The documents FTP server (B2B): built when given, listening after listenFtp. */
  readonly ftp?: FtpOptions | undefined;
  /** Limits of document uploads (default documents/document-archive.ts DEFAULT_ARCHIVE_LIMITS). */
  readonly documentLimits?: Partial<ArchiveLimits> | undefined;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
  readonly notifier: NotificationWorker;
  /** The listeners of `umf-gateway listen` connected to this process (the notifier delivers through them). */
  readonly listeners: NotificationListeners;
  readonly jobs: PaymentJobs;
  readonly refundJobs: RefundJobs;
  readonly customsJobs: CustomsJobs;
  readonly settlementJobs: SettlementJobs;
  /** The B2B document window: cancellations past it and the returns of their money. */
  readonly heldFundsJobs: HeldFundsJobs;
  /** The documents FTP server, when the options ask for one. */
  readonly ftp: FtpServer<FtpAccount> | undefined;
  listen(port: number, host: string): Promise<string>;
  /** Starts the documents FTP server on `port` of `host`: its `ftp://` address. */
  listenFtp(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export function gatewayConfig(options: GatewayOptions): GatewayConfig {
  return {
    publicUrl: options.publicUrl,
    sandbox: options.sandbox ?? true,
    tokenTtlSeconds: options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    bodyLimit: DEFAULT_BODY_LIMIT,
    defaultExpireMinutes: DEFAULT_EXPIRE_MINUTES,
    outbound: options.outbound,
    sandboxAccess: options.sandboxAccess ?? 'loopback',
    documentWindowMs: options.documentWindowMs,
  };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const store = await openStore({ url: options.databaseUrl });
  let context: GatewayContext;
  try {
    context = await createContext(
      {
        config: gatewayConfig(options),
        dataDir: options.dataDir,
        masterKeyEnv: options.masterKeyEnv,
        clock: options.clock,
        connectors: options.channels,
        lateBankDelayMs: options.lateBankDelayMs,
        documentLimits: options.documentLimits,
      },
      store,
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  const { services, clock } = context;
  const listeners = new NotificationListeners();
  const app = await buildApp({ context, logger: options.logger ?? false, listeners });
  const notifier = new NotificationWorker({
    store,
    repository: context.repositories.outbox,
    clock,
    pollIntervalMs: options.notifierPollMs ?? 250,
    outbound: context.outbound,
    logger: app.log,
    listeners,
  });
  context.outbox.onCommitted(() => notifier.kick());
  const jobs = new PaymentJobs({ lifecycle: services.lifecycle, cards: services.cards, logger: app.log });
  const refundJobs = new RefundJobs({ refunds: services.refunds, logger: app.log });
  const customsJobs = new CustomsJobs({ customs: services.customs, logger: app.log });
  const settlementJobs = new SettlementJobs({
    settlements: services.settlement,
    schedule: options.settlement ?? DEFAULT_SETTLEMENT_SCHEDULE,
    clock,
    intervalMs: options.settlementCheckMs,
    logger: app.log,
  });
  const heldFundsJobs = new HeldFundsJobs({ heldFunds: services.heldFunds, logger: app.log });
  const ftp = options.ftp
    ? new FtpServer<FtpAccount>({
        backend: documentsFtpBackend({ merchants: services.merchants, documents: services.documents }),
        pasvAddress: options.ftp.pasvAddress,
        pasvPorts: options.ftp.pasvPorts,
        tls: options.ftp.tls,
        limits: { maxUploadBytes: services.documents.limits.maxArchiveBytes, ...options.ftp.limits },
        log: app.log,
      })
    : undefined;
  if (options.workers ?? true) {
    heldFundsJobs.start();
    settlementJobs.start();
    notifier.start();
    jobs.start();
    refundJobs.start();
    customsJobs.start();
  }
  return {
    app,
    context,
    notifier,
    listeners,
    jobs,
    refundJobs,
    customsJobs,
    settlementJobs,
    heldFundsJobs,
    ftp,
    async listen(port, host) {
      return app.listen({ port, host });
    },
    async listenFtp(port, host) {
      if (!ftp) throw new Error('this gateway has no FTP server (GatewayOptions.ftp)');
      return ftp.listen(port, host);
    },
    async close() {
      await ftp?.close();
      await app.close();
      await jobs.stop();
      await refundJobs.stop();
      await customsJobs.stop();
      await settlementJobs.stop();
      await heldFundsJobs.stop();
      await notifier.stop();
      await store.close();
    },
  };
}
