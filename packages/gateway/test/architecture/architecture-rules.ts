/**
 * The architecture of packages/gateway/src as rules a test can check (import-rules.test.ts), and the
 * one table ARCHITECTURE.md shows (the test keeps the two equal).
 *
 * A module is a folder of src/ (`channels/sandbox` is a module of its own: the sandbox parties and
 * their pages, apart from the channel interfaces); the files at the top of src/ (app.ts, context.ts,
 * gateway.ts: the composition) are the module `(root)`.
 */

/** Every module, what it holds, and the modules it may import (besides itself). */
export const MODULES: Readonly<Record<string, { readonly holds: string; readonly mayImport: readonly string[] }>> = {
  errors: { holds: 'the domain reasons (DomainError) and the catalogue of UMF return codes', mayImport: [] },
  money: { holds: 'amounts in integer minor units, ISO 4217 minor units, conversion to CNY', mayImport: [] },
  time: { holds: 'the Clock and China time', mayImport: [] },
  store: { holds: 'the database, migrations, table types, record conversion, the transaction helper', mayImport: [] },
  outbound: {
    holds: 'which addresses the gateway may call or send a browser to (the policy against SSRF)',
    mayImport: [],
  },
  ftp: {
    holds: 'the FTP server (one upload-only folder per account, passive mode, explicit TLS, limits)',
    mayImport: [],
  },
  validation: {
    holds: 'reading fields of request bodies, each problem a DomainError naming the field',
    mayImport: ['errors', 'outbound'],
  },
  crypto: { holds: 'keys, signatures, field decryption, the card vault, page tokens', mayImport: ['store'] },
  notifications: {
    holds: 'the outbox, the worker that delivers it, the listeners of umf-gateway listen and their routes',
    mayImport: ['errors', 'http', 'outbound', 'store', 'time'],
  },
  lifecycle: { holds: 'the state mover, the timeline, the pass over due steps', mayImport: ['notifications', 'store'] },
  ledger: { holds: 'the double-entry journal, its postings and its check', mayImport: ['money', 'store'] },
  merchants: { holds: 'merchants, their secrets and public keys', mayImport: ['crypto', 'store', 'time'] },
  channels: {
    holds: 'the interfaces of the outside parties (card bank, SMS, wallets, customs, FX) and the connectors seam',
    mayImport: ['crypto', 'errors', 'money', 'store', 'time'],
  },
  http: {
    holds: 'the UMF wire conventions: signed answers, authentication, idempotency, reason-to-code mapping',
    mayImport: ['crypto', 'errors', 'merchants', 'money', 'store', 'time'],
  },
  pages: {
    holds: 'what the HTML pages share: layout, texts in zh and en, page replies',
    mayImport: ['errors', 'http', 'money', 'payments', 'time'],
  },
  reference: {
    holds: 'reference data (banks, transaction codes, customs offices, card rules) and its routes',
    mayImport: ['channels', 'errors', 'http', 'money'],
  },
  oauth: {
    holds: 'access tokens (client credentials) and the token endpoint',
    mayImport: ['errors', 'http', 'merchants', 'store', 'time'],
  },
  enterprises: {
    holds: 'the companies merchants register for B2B payments, and their review',
    mayImport: ['errors', 'http', 'merchants', 'store', 'time', 'validation'],
  },
  payments: {
    holds: 'payments: create, card (SMS, debit), wallets, expiry, their end, view and routes',
    mayImport: [
      'channels',
      'crypto',
      'enterprises',
      'errors',
      'http',
      'ledger',
      'lifecycle',
      'merchants',
      'money',
      'outbound',
      'reference',
      'store',
      'time',
      'validation',
    ],
  },
  refunds: {
    holds: 'refunds of paid payments',
    mayImport: [
      'channels',
      'errors',
      'http',
      'ledger',
      'lifecycle',
      'merchants',
      'money',
      'outbound',
      'payments',
      'store',
      'time',
      'validation',
    ],
  },
  customs: {
    holds: 'customs declarations of paid payments',
    mayImport: [
      'channels',
      'errors',
      'http',
      'lifecycle',
      'merchants',
      'money',
      'outbound',
      'payments',
      'reference',
      'reports',
      'store',
      'time',
      'validation',
    ],
  },
  documents: {
    holds: 'B2B transaction documents: uploads over FTP, the ZIP checks, their review and the held-funds port',
    mayImport: ['ftp', 'lifecycle', 'merchants', 'payments', 'store', 'time'],
  },
  reports: {
    holds: 'the transaction list and file',
    mayImport: ['errors', 'http', 'money', 'payments', 'refunds', 'store', 'time'],
  },
  settlement: {
    holds: 'settlement runs and reconciliation statements',
    mayImport: [
      'channels',
      'errors',
      'http',
      'ledger',
      'merchants',
      'money',
      'payments',
      'refunds',
      'reports',
      'store',
      'time',
    ],
  },
  checkout: {
    holds: 'the hosted checkout pages',
    mayImport: ['channels', 'crypto', 'errors', 'merchants', 'pages', 'payments'],
  },
  home: {
    holds: 'the start page (`/`) and the icon',
    mayImport: ['api-docs', 'http', 'pages'],
  },
  console: {
    holds: 'the console at /console: accounts, sessions, sign-in throttling, the audit log and its pages',
    mayImport: ['merchants', 'oauth', 'pages', 'store', 'time'],
  },
  'channels/sandbox': {
    holds: 'the sandbox parties, their storage and the pages a person clicks through',
    mayImport: [
      'channels',
      'crypto',
      'errors',
      'http',
      'merchants',
      'money',
      'pages',
      'payments',
      'reference',
      'store',
      'time',
    ],
  },
  workers: {
    holds: 'the periodic jobs (expiry, bank answers, refunds, customs, settlement, the B2B document window)',
    mayImport: ['customs', 'payments', 'refunds', 'settlement', 'time'],
  },
  'api-docs': {
    holds: 'the OpenAPI document and the API reference page, from the route schemas',
    mayImport: ['customs', 'enterprises', 'http', 'oauth', 'payments', 'reference', 'refunds', 'reports', 'settlement'],
  },
  config: { holds: 'configuration from flags and environment', mayImport: ['outbound', 'settlement', 'time'] },
  log: { holds: "the log's formats: pino's JSON, or one readable line per record (pretty)", mayImport: [] },
  cli: { holds: 'the umf-gateway command', mayImport: ['*'] },
  '(root)': {
    holds: 'the composition: context.ts builds everything, app.ts the HTTP app, gateway.ts the process',
    mayImport: ['*'],
  },
};

/**
 * Files of the HTTP edge: they may import the wire (errors/catalogue.ts, http/, pages/, fastify);
 * domain code (services, repositories, records, requests, the mechanisms) may not. The request and
 * answer schemas (`*-schemas.ts`) are the wire's description, so they are edge files too.
 */
export function isEdgeFile(path: string): boolean {
  return (
    /(^|\/)[^/]+-(routes|view|page|pages|schemas)\.ts$/.test(path) ||
    /^(http|pages|cli|api-docs)\//.test(path) ||
    !path.includes('/')
  );
}

/** Modules that are the wire: only edge files import them. */
export function isWireImport(target: string): boolean {
  return target === 'fastify' || target === 'errors/catalogue.ts' || /^(http|pages)\//.test(target);
}

/** Files that may hold SQL (query builders, `sql` templates): repositories and the store itself. */
export function mayHoldSql(path: string): boolean {
  return /-repository\.ts$/.test(path) || path.startsWith('store/');
}

/** Only the app factory mounts routes. */
export function mayImportRoutes(path: string): boolean {
  return path === 'app.ts';
}
