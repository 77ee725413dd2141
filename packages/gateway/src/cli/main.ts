/**
 * `umf-gateway <command>`: serve, merchant create, platform cert, fx set, settle.
 * Every command takes --data-dir / --database (or UMF_DATA_DIR / DATABASE_URL) and works while a
 * gateway runs on the same data: the gateway reads merchants, keys and rates from the database on
 * each request.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { sandboxAccessText } from '../config/gateway-config.ts';
import { ConfigError, resolveConfig, type ProcessConfig } from '../config/process-config.ts';
import { openStore, type Store } from '../store/database.ts';
import { gatewayConfig, startGateway } from '../gateway.ts';
import { createContext, loadKeys, type GatewayContext } from '../context.ts';
import { formatBp, parseFeeRate } from '../settlement/settlement-math.ts';
import { settleCommand } from './settle-command.ts';
import { ledgerCheckCommand } from './ledger-command.ts';
import { loadConnectors } from './connectors-module.ts';
import { notificationsCommand } from './notifications-command.ts';
import { listenCommand } from './listen-command.ts';
import { processLoggerOptions } from '../log/process-logger.ts';

const USAGE = `usage: umf-gateway <command> [options]

commands:
  serve [--port N] [--host H]                 run the gateway (sandbox mode by default)
  merchant create --name NAME [--public-key FILE] [--encryption oaep|pkcs1] [--currencies USD,EUR]
                  [--service-fee 1.00%] [--json]
  merchant add-key --merchant ID --public-key FILE   add a public key (rotation)
  merchant revoke-key --merchant ID --key KEY_ID     revoke a public key
  platform cert                               print the platform certificate (PEM)
  fx set CURRENCY RATE                        set a sandbox exchange rate (CNY per unit)
  notifications list [--merchant ID] [--failing | --pending] [--limit N] [--json]
                                              the newest notifications across objects (default 20)
  notifications list --object ID [--json]     notifications of a payment and their attempts
  notifications tail [--merchant ID] [--json] every delivery attempt as it is recorded, until Ctrl-C
  notifications redeliver NTF_ID              send a notification again now
  listen --forward-to URL [--gateway URL] [--credentials FILE] [--json]
                                              forward the merchant's notifications (sandbox gateway) to a
                                              local URL; credentials: UMF_CLIENT_ID / UMF_CLIENT_SECRET
  merchant set-fee --merchant ID --service-fee 1.25%   the service fee taken at settlement (or 125bp)
  settle [--date YYYYMMDD] [--cutoff HH:MM|now] [--json]
                                              run settlement now for a settle date (default today, China
                                              time); settles what completed before the cut-off
                                              (UMF_SETTLEMENT_CUTOFF, default 00:00 of that date)
  ledger check [--json]                       verify the ledger balances; print every account's balance

common options:
  --data-dir DIR    data directory (UMF_DATA_DIR, default ./data)
  --database URL    sqlite:<path> (default) or postgres://... (DATABASE_URL)
`;

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        database: { type: 'string' },
        name: { type: 'string' },
        'public-key': { type: 'string' },
        encryption: { type: 'string' },
        currencies: { type: 'string' },
        merchant: { type: 'string' },
        object: { type: 'string' },
        key: { type: 'string' },
        date: { type: 'string' },
        cutoff: { type: 'string' },
        'service-fee': { type: 'string' },
        limit: { type: 'string' },
        failing: { type: 'boolean' },
        pending: { type: 'boolean' },
        gateway: { type: 'string' },
        'forward-to': { type: 'string' },
        credentials: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  let config: ProcessConfig;
  try {
    config = resolveConfig({
      host: values.host,
      port: values.port,
      dataDir: values['data-dir'],
      database: values.database,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Every bad value at once, so that one run shows all there is to fix.
    err(`umf-gateway: ${error.message}\n`);
    return 2;
  }
  try {
    switch (command) {
      case 'serve':
        return await serve(config, err);
      case 'merchant':
        return await withContext(config, (ctx) => merchantCommand(ctx, config, sub, values, out, err));
      case 'platform':
        if (sub !== 'cert') break;
        return await withStore(config, async (store) => {
          const keys = await loadKeys({ dataDir: config.dataDir, masterKeyEnv: config.masterKeyEnv }, store);
          out(keys.platform.certificatePem);
          return 0;
        });
      case 'fx':
        if (sub !== 'set' || rest.length !== 2) break;
        return await withContext(config, async (ctx) => {
          if (!ctx.sandbox) {
            err('fx set sets the sandbox FX feed: it works in sandbox mode only (UMF_MODE=sandbox)\n');
            return 2;
          }
          await ctx.sandbox.fx.setRate(rest[0]!.toUpperCase(), rest[1]!);
          out(`${rest[0]!.toUpperCase()} = ${rest[1]} CNY\n`);
          return 0;
        });
      case 'notifications':
        return await withContext(config, (ctx) =>
          notificationsCommand({ store: ctx.store, outbox: ctx.repositories.outbox }, sub, rest, values, { out, err }),
        );
      case 'listen':
        if (sub !== undefined) break;
        return await listenCommand(values, process.env, config.publicUrl, { out, err });
      case 'ledger':
        if (sub !== 'check') break;
        return await withStore(config, (store) => ledgerCheckCommand(store, values.json === true, out));
      case 'settle':
        if (sub !== undefined) break;
        return await withContext(config, (ctx) => settleCommand(ctx.services.settlement, config, values, out, err));
    }
  } catch (error) {
    err(`error: ${(error as Error).message}\n`);
    return 1;
  }
  err(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  return 2;
}

/** The gateway's context on the configured store (keys, channels, services), as `serve` builds it. */
async function withContext(config: ProcessConfig, fn: (ctx: GatewayContext) => Promise<number>): Promise<number> {
  return withStore(config, async (store) => {
    const ctx = await createContext(
      {
        config: gatewayConfig({ ...config, sandbox: config.sandbox }),
        dataDir: config.dataDir,
        masterKeyEnv: config.masterKeyEnv,
        connectors: await loadConnectors(config.connectorsModule),
      },
      store,
    );
    return fn(ctx);
  });
}

async function withStore(config: ProcessConfig, fn: (store: Store) => Promise<number>): Promise<number> {
  const store = await openStore({ url: config.databaseUrl });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function merchantCommand(
  ctx: GatewayContext,
  config: ProcessConfig,
  sub: string | undefined,
  values: Record<string, string | boolean | undefined>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (sub === 'create') {
    const name = values.name;
    if (typeof name !== 'string' || !name.trim()) {
      err('merchant create needs --name NAME\n');
      return 2;
    }
    const encryption = (values.encryption ?? 'oaep') as string;
    if (encryption !== 'oaep' && encryption !== 'pkcs1') {
      err('--encryption must be oaep or pkcs1\n');
      return 2;
    }
    const publicKeyPem =
      typeof values['public-key'] === 'string' ? readFileSync(values['public-key'], 'utf8') : undefined;
    const currencies =
      typeof values.currencies === 'string' ? values.currencies.split(',').map((c) => c.trim().toUpperCase()) : null;
    const serviceFeeBp = typeof values['service-fee'] === 'string' ? parseFeeRate(values['service-fee']) : undefined;
    const created = await ctx.services.merchants.create({
      name,
      encryption: encryption,
      acceptedCurrencies: currencies,
      ...(publicKeyPem ? { publicKeyPem } : {}),
      ...(serviceFeeBp !== undefined ? { serviceFeeBp } : {}),
    });
    const result: Record<string, string> = {
      merchant_id: created.merchant.id,
      client_id: created.merchant.clientId,
      client_secret: created.clientSecret,
      encryption: created.merchant.encryption,
    };
    if (created.generatedPrivateKey) {
      const dir = join(config.dataDir, 'merchants');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const pemFile = join(dir, `${created.merchant.id}.pem`);
      const derFile = join(dir, `${created.merchant.id}.key.p8`);
      writeFileSync(pemFile, created.generatedPrivateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(derFile, created.generatedPrivateKey.export({ type: 'pkcs8', format: 'der' }), { mode: 0o600 });
      result.private_key_file = pemFile;
      result.private_key_der_file = derFile;
    }
    if (values.json) out(JSON.stringify(result, null, 2) + '\n');
    else for (const [k, v] of Object.entries(result)) out(`${k}: ${v}\n`);
    return 0;
  }
  if (sub === 'set-fee') {
    if (typeof values.merchant !== 'string' || typeof values['service-fee'] !== 'string') {
      err('merchant set-fee needs --merchant ID --service-fee RATE (e.g. 1.25% or 125bp)\n');
      return 2;
    }
    const bp = parseFeeRate(values['service-fee']);
    if (!(await ctx.services.merchants.setServiceFee(values.merchant, bp))) {
      err(`no merchant ${values.merchant}\n`);
      return 1;
    }
    out(`service fee of ${values.merchant}: ${formatBp(bp)} (${bp} bp)\n`);
    return 0;
  }
  if (sub === 'add-key') {
    if (typeof values.merchant !== 'string' || typeof values['public-key'] !== 'string') {
      err('merchant add-key needs --merchant ID --public-key FILE\n');
      return 2;
    }
    const id = await ctx.services.merchants.addKey(values.merchant, readFileSync(values['public-key'], 'utf8'));
    out(`key_id: ${id}\n`);
    return 0;
  }
  if (sub === 'revoke-key') {
    if (typeof values.merchant !== 'string' || typeof values.key !== 'string') {
      err('merchant revoke-key needs --merchant ID --key KEY_ID\n');
      return 2;
    }
    const ok = await ctx.services.merchants.revokeKey(values.merchant, values.key);
    if (!ok) {
      err('no such key for this merchant\n');
      return 1;
    }
    out('revoked\n');
    return 0;
  }
  err(`unknown merchant command ${sub ?? ''}\n`);
  return 2;
}

/**
 * Under load, objects of requests in flight survive two scavenges and are promoted; they die soon
 * after, but V8's default heap growth lets that garbage pile up in the old generation to about twice
 * the live heap before a full collection (RSS ~210 MB instead of ~170 MB in `npm run bench`). Growing
 * the old generation by at most 50 % over the live heap collects it sooner; a full collection is
 * mostly concurrent marking, and the benchmark shows no throughput cost. Set once, before any load;
 * `node --heap-growing-percent=N` overrides it.
 */
const HEAP_GROWING_PERCENT = 50;

async function serve(config: ProcessConfig, err: (s: string) => void): Promise<number> {
  if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent')))
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const gateway = await startGateway({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    masterKeyEnv: config.masterKeyEnv,
    sandbox: config.sandbox,
    sandboxAccess: config.sandboxAccess,
    tokenTtlSeconds: config.tokenTtlSeconds,
    logger: processLoggerOptions({ level: config.logLevel, format: config.logFormat, stdout: process.stdout }),
    settlement: config.settlement,
    outbound: config.outbound,
    channels: await loadConnectors(config.connectorsModule),
  });
  const address = await gateway.listen(config.port, config.host);
  err(
    `umf-gateway listening on ${address} (${config.sandbox ? 'sandbox' : 'live'} mode, database ` +
      `${gateway.context.store.url}, API ${config.publicUrl}/cberest/v1` +
      `${config.sandbox ? `, ${sandboxAccessText(config.sandboxAccess)}` : ''})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await gateway.close();
  return 0;
}
