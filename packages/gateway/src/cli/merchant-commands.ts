/**
 * `umf-gateway merchant create|list|show|set-fee|add-key|revoke-key|ftp-password`: merchants, their keys,
 * fees and FTP accounts (B2B documents).
 * `create` writes a generated private key into <data-dir>/merchants/ (0600) and prints its path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBp } from '../settlement/settlement-math.ts';
import { CURRENCIES } from '../money/currencies.ts';
import { chinaReadable } from '../time/china-time.ts';
import type { MerchantProfile } from '../merchants/merchant.ts';
import { CommandError, type Command, type CommandInput } from './command.ts';
import { choiceFlag, currencyListFlag, feeFlag, requiredFlag, stringFlag } from './flag-values.ts';
import { textFields, textTable } from './text-table.ts';

const MERCHANT_FLAG = { type: 'string', value: 'ID', help: 'the merchant (M...)' } as const;

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read the public key file ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

const currenciesText = (m: MerchantProfile) => m.acceptedCurrencies?.join(',') ?? `all (${CURRENCIES.length})`;

function profileJson(m: MerchantProfile) {
  return {
    merchant_id: m.id,
    name: m.name,
    client_id: m.clientId,
    status: m.status,
    encryption: m.encryption,
    currencies: m.acceptedCurrencies ?? [...CURRENCIES],
    service_fee: formatBp(m.serviceFeeBp),
    service_fee_bp: m.serviceFeeBp,
    created_at: new Date(m.createdAt).toISOString(),
  };
}

const create: Command = {
  words: ['merchant', 'create'],
  summary:
    'create a merchant: prints merchant_id, client_id, client_secret, ftp_user, ftp_password (and its key files)',
  flags: {
    name: { type: 'string', value: 'NAME', help: 'the name payers see' },
    'public-key': { type: 'string', value: 'FILE', help: "the merchant's RSA public key (PEM); else one is generated" },
    encryption: { type: 'string', value: 'oaep|pkcs1', help: 'how the merchant encrypts card fields (default oaep)' },
    currencies: {
      type: 'string',
      value: 'USD,EUR',
      help: `order currencies it takes (default all: ${CURRENCIES.join(',')})`,
    },
    'service-fee': { type: 'string', value: 'RATE', help: 'fee taken at settlement: 1.25% or 125bp (default 1.00%)' },
  },
  details: [
    "Without --public-key the merchant's RSA-2048 key pair is generated and its private key written as",
    'PKCS#8 PEM (private_key_file) and DER (private_key_der_file) into <data-dir>/merchants/, mode 0600.',
    'ftp_user and ftp_password log in to the documents FTP server (B2B transaction documents); the',
    'password is shown only now (umf-gateway merchant ftp-password makes a new one).',
  ],
  examples: ['umf-gateway merchant create --name "Tea House" --currencies USD,EUR --service-fee 1.25% --json'],
  async run({ flags, json, config, io, context }: CommandInput) {
    const name = requiredFlag(flags, 'name', 'NAME', 'merchant create');
    const encryption = choiceFlag(flags, 'encryption', ['oaep', 'pkcs1'] as const) ?? 'oaep';
    const currencies = currencyListFlag(flags, 'currencies');
    const serviceFeeBp = feeFlag(flags, 'service-fee');
    const keyFile = stringFlag(flags, 'public-key');
    const publicKeyPem = keyFile === undefined ? undefined : readKeyFile(keyFile);
    const ctx = await context();
    const created = await ctx.services.merchants.create({
      name,
      encryption,
      acceptedCurrencies: currencies ?? null,
      ...(publicKeyPem ? { publicKeyPem } : {}),
      ...(serviceFeeBp !== undefined ? { serviceFeeBp } : {}),
    });
    const shown = await ctx.services.merchants.show(created.merchant.id);
    const result: Record<string, string> = {
      merchant_id: created.merchant.id,
      client_id: created.merchant.clientId,
      client_secret: created.clientSecret,
      ftp_user: created.ftp.user,
      ftp_password: created.ftp.password,
      encryption: created.merchant.encryption,
      currencies: shown ? currenciesText(shown.profile) : '',
      service_fee: shown ? formatBp(shown.profile.serviceFeeBp) : '',
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
    io.out(json ? JSON.stringify(result, null, 2) + '\n' : textFields(result));
    return 0;
  },
};

const list: Command = {
  words: ['merchant', 'list'],
  summary: 'every merchant: id, name, status, currencies, service fee',
  async run({ json, io, context }) {
    const merchants = await (await context()).services.merchants.list();
    if (json) {
      io.out(JSON.stringify(merchants.map(profileJson), null, 2) + '\n');
      return 0;
    }
    const rows = merchants.map((m) => [
      m.id,
      m.name,
      m.status,
      currenciesText(m),
      formatBp(m.serviceFeeBp),
      chinaReadable(m.createdAt),
    ]);
    io.out(textTable(['MERCHANT', 'NAME', 'STATUS', 'CURRENCIES', 'FEE', 'CREATED'], rows, 'no merchants yet'));
    return 0;
  },
};

const show: Command = {
  words: ['merchant', 'show'],
  summary: 'one merchant: its settings and public keys (never its secret)',
  args: [{ name: 'MERCHANT_ID', help: 'the merchant (M...)' }],
  async run({ args, json, io, context }) {
    const id = args[0]!;
    const shown = await (await context()).services.merchants.show(id);
    if (!shown) throw new CommandError(`no merchant ${id} (umf-gateway merchant list shows them)`);
    const keys = shown.keys.map((k) => ({
      key_id: k.id,
      fingerprint: k.fingerprint,
      status: k.status,
      created_at: new Date(k.createdAt).toISOString(),
    }));
    if (json) {
      io.out(JSON.stringify({ ...profileJson(shown.profile), keys }, null, 2) + '\n');
      return 0;
    }
    const m = shown.profile;
    io.out(
      textFields({
        merchant_id: m.id,
        name: m.name,
        client_id: m.clientId,
        status: m.status,
        encryption: m.encryption,
        currencies: currenciesText(m),
        service_fee: `${formatBp(m.serviceFeeBp)} (${m.serviceFeeBp} bp)`,
        created_at: chinaReadable(m.createdAt),
      }) +
        '\n' +
        textTable(
          ['KEY', 'STATUS', 'FINGERPRINT', 'ADDED'],
          shown.keys.map((k) => [k.id, k.status, k.fingerprint, chinaReadable(k.createdAt)]),
          'no keys',
        ),
    );
    return 0;
  },
};

const setFee: Command = {
  words: ['merchant', 'set-fee'],
  summary: 'set the service fee taken at settlement',
  flags: {
    merchant: MERCHANT_FLAG,
    'service-fee': { type: 'string', value: 'RATE', help: '1.25% or 125bp' },
  },
  async run({ flags, json, io, context }) {
    const id = requiredFlag(flags, 'merchant', 'ID', 'merchant set-fee');
    requiredFlag(flags, 'service-fee', 'RATE (e.g. 1.25% or 125bp)', 'merchant set-fee');
    const bp = feeFlag(flags, 'service-fee')!;
    if (!(await (await context()).services.merchants.setServiceFee(id, bp)))
      throw new CommandError(`no merchant ${id}`);
    io.out(
      json
        ? JSON.stringify({ merchant_id: id, service_fee: formatBp(bp), service_fee_bp: bp }) + '\n'
        : `service fee of ${id}: ${formatBp(bp)} (${bp} bp)\n`,
    );
    return 0;
  },
};

const addKey: Command = {
  words: ['merchant', 'add-key'],
  summary: 'add a public key (rotation: add the new one, then revoke the old)',
  flags: { merchant: MERCHANT_FLAG, 'public-key': { type: 'string', value: 'FILE', help: 'RSA public key (PEM)' } },
  async run({ flags, json, io, context }) {
    const id = requiredFlag(flags, 'merchant', 'ID', 'merchant add-key');
    const pem = readKeyFile(requiredFlag(flags, 'public-key', 'FILE', 'merchant add-key'));
    const ctx = await context();
    if (!(await ctx.services.merchants.show(id))) throw new CommandError(`no merchant ${id}`);
    const keyId = await ctx.services.merchants.addKey(id, pem);
    io.out(json ? JSON.stringify({ merchant_id: id, key_id: keyId }) + '\n' : `key_id: ${keyId}\n`);
    return 0;
  },
};

const revokeKey: Command = {
  words: ['merchant', 'revoke-key'],
  summary: 'revoke a public key',
  flags: { merchant: MERCHANT_FLAG, key: { type: 'string', value: 'KEY_ID', help: 'the key (KEY_...)' } },
  async run({ flags, json, io, context }) {
    const id = requiredFlag(flags, 'merchant', 'ID', 'merchant revoke-key');
    const key = requiredFlag(flags, 'key', 'KEY_ID', 'merchant revoke-key');
    if (!(await (await context()).services.merchants.revokeKey(id, key)))
      throw new CommandError(`no key ${key} of merchant ${id} (umf-gateway merchant show ${id} lists its keys)`);
    io.out(json ? JSON.stringify({ merchant_id: id, key_id: key, status: 'revoked' }) + '\n' : 'revoked\n');
    return 0;
  },
};

const ftpPassword: Command = {
  words: ['merchant', 'ftp-password'],
  summary: 'a new password for the merchant on the documents FTP server (the old one stops working at once)',
  flags: { merchant: MERCHANT_FLAG },
  details: [
    'Prints ftp_user and the new ftp_password. A merchant created before FTP accounts gets its account now.',
    'Running gateways refuse the old password from the next login or upload on.',
  ],
  examples: ['umf-gateway merchant ftp-password --merchant M12345678901 --json'],
  async run({ flags, json, io, context }) {
    const id = requiredFlag(flags, 'merchant', 'ID', 'merchant ftp-password');
    const credentials = await (await context()).services.merchants.resetFtpPassword(id);
    if (!credentials) throw new CommandError(`no merchant ${id} (umf-gateway merchant list shows them)`);
    const result = { merchant_id: id, ftp_user: credentials.user, ftp_password: credentials.password };
    io.out(json ? JSON.stringify(result, null, 2) + '\n' : textFields(result));
    return 0;
  },
};

export const MERCHANT_COMMANDS: readonly Command[] = [create, list, show, setFee, addKey, revokeKey, ftpPassword];
