/**
 * A running gateway: store, keys, channels, the HTTP app and the background workers, wired from a
 * config. `startGateway` is what `umf-gateway serve` and the end-to-end tests call.
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { openStore, type Store } from './store/database.ts';
import { loadMasterKey } from './crypto/master-key.ts';
import { loadOrCreatePlatformKeys } from './crypto/platform-keys.ts';
import { CachingResponseSigner } from './http/signed-body.ts';
import { SandboxFxFeed } from './channels/sandbox/sandbox-fx-feed.ts';
import { SandboxSmsGateway } from './channels/sandbox/sandbox-sms-gateway.ts';
import { SandboxCardBank } from './channels/sandbox/sandbox-card-bank.ts';
import { SandboxWallet } from './channels/sandbox/sandbox-wallet.ts';
import { PageTokens } from './http/page-tokens.ts';
import { systemClock, type Clock, type GatewayContext } from './context.ts';
import { buildApp } from './app.ts';
import { NotificationWorker } from './notifications/notifier.ts';
import { PaymentService } from './payments/payment-service.ts';
import { PaymentJobs } from './workers/payment-jobs.ts';
import { RefundService } from './refunds/refund-service.ts';
import { RefundJobs } from './workers/refund-jobs.ts';
import { CustomsService } from './customs/customs-service.ts';
import { CustomsJobs } from './workers/customs-jobs.ts';
import { SandboxCustoms } from './channels/sandbox/sandbox-customs.ts';
import { SettlementService } from './settlement/settlement-service.ts';
import { DEFAULT_SETTLEMENT_SCHEDULE, SettlementJobs, type SettlementSchedule } from './workers/settlement-jobs.ts';

export interface GatewayOptions {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly publicUrl: string;
  readonly masterKeyEnv?: string | undefined;
  readonly sandbox?: boolean;
  readonly tokenTtlSeconds?: number;
  readonly clock?: Clock;
  readonly logger?: FastifyServerOptions['logger'];
  /** Start the notification worker and payment jobs (default true). */
  readonly workers?: boolean;
  /** Sandbox bank: how late the late-answering test card answers. */
  readonly lateBankDelayMs?: number;
  readonly notifierPollMs?: number;
  /** When settlement runs on its own (default: 02:00 China time, cut-off 00:00). */
  readonly settlement?: SettlementSchedule;
  /** How often the settlement worker checks whether today's run is due (default 60 s). */
  readonly settlementCheckMs?: number;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly context: GatewayContext;
  readonly notifier: NotificationWorker;
  readonly jobs: PaymentJobs;
  readonly refundJobs: RefundJobs;
  readonly customsJobs: CustomsJobs;
  readonly settlementJobs: SettlementJobs;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export async function createContext(options: GatewayOptions, store: Store): Promise<GatewayContext> {
  const master = loadMasterKey({ env: options.masterKeyEnv, keyFile: join(options.dataDir, 'master.key') });
  const platform = await loadOrCreatePlatformKeys(store.db, master.derive('platform key'));
  const pageTokens = new PageTokens(master);
  const config = {
    publicUrl: options.publicUrl,
    sandbox: options.sandbox ?? true,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    bodyLimit: 256 * 1024,
    defaultExpireMinutes: 360,
  };
  return {
    store,
    db: store.db,
    config,
    clock: options.clock ?? systemClock,
    pageTokens,
    platform,
    signer: new CachingResponseSigner(platform.privateKey),
    cardVault: master.derive('card data'),
    channels: {
      fx: new SandboxFxFeed(store.db),
      sms: new SandboxSmsGateway(),
      cardBank: new SandboxCardBank(
        store.db,
        options.lateBankDelayMs === undefined ? {} : { lateDelayMs: options.lateBankDelayMs },
      ),
      wallet: new SandboxWallet({ publicUrl: () => config.publicUrl, tokens: pageTokens }),
      customs: new SandboxCustoms(),
    },
  };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const store = await openStore({ url: options.databaseUrl });
  const context = await createContext(options, store);
  const notifier = new NotificationWorker({
    db: store.db,
    clock: context.clock,
    pollIntervalMs: options.notifierPollMs ?? 250,
  });
  const app = await buildApp({ context, logger: options.logger ?? false, onNotification: () => notifier.kick() });
  const jobs = new PaymentJobs({ payments: new PaymentService(context, () => notifier.kick()), logger: app.log });
  const refundJobs = new RefundJobs({ refunds: new RefundService(context, () => notifier.kick()), logger: app.log });
  const customsJobs = new CustomsJobs({ customs: new CustomsService(context, () => notifier.kick()), logger: app.log });
  const settlementJobs = new SettlementJobs({
    settlements: new SettlementService({ db: store.db, fx: context.channels.fx, clock: context.clock }),
    schedule: options.settlement ?? DEFAULT_SETTLEMENT_SCHEDULE,
    clock: context.clock,
    intervalMs: options.settlementCheckMs,
    logger: app.log,
  });
  if (options.workers ?? true) {
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
    jobs,
    refundJobs,
    customsJobs,
    settlementJobs,
    async listen(port, host) {
      return app.listen({ port, host });
    },
    async close() {
      await app.close();
      await jobs.stop();
      await refundJobs.stop();
      await customsJobs.stop();
      await settlementJobs.stop();
      await notifier.stop();
      await store.close();
    },
  };
}
