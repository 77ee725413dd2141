/**
 * The command line as a person types it: help for every command, "did you mean" for typos, each flag
 * value checked before anything runs (exit 2, a message naming the flag and what it takes), and a
 * SQLite database that does not exist refused rather than created empty (unless --create).
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { COMMANDS } from '../../src/cli/commands.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'umf-cli-usage-'));

describe('help', () => {
  test('`help`, `--help` and no command at all list every command', async () => {
    const help = await runCli(['help']);
    assert.equal(help.code, 0);
    for (const c of COMMANDS) assert.ok(help.out.includes(c.words.join(' ')), `help lists ${c.words.join(' ')}`);
    assert.match(help.out, /--data-dir DIR/);
    assert.equal((await runCli(['--help'])).out, help.out);
    const bare = await runCli([]);
    assert.equal(bare.code, 2, 'no command is a usage error');
    assert.equal(bare.out, help.out);
  });

  test('every command has its own help, with each of its options and arguments', async () => {
    for (const c of COMMANDS) {
      const viaHelp = await runCli(['help', ...c.words]);
      assert.equal(viaHelp.code, 0, viaHelp.err);
      assert.ok(viaHelp.out.startsWith(`usage: umf-gateway ${c.words.join(' ')}`), viaHelp.out);
      for (const flag of Object.keys(c.flags ?? {})) assert.ok(viaHelp.out.includes(`--${flag}`), `${flag}`);
      for (const arg of c.args ?? []) assert.ok(viaHelp.out.includes(arg.name), arg.name);
      const viaFlag = await runCli([...c.words, '--help']);
      assert.equal(viaFlag.out, viaHelp.out);
    }
  });

  test("a group's help lists its commands", async () => {
    const merchant = await runCli(['help', 'merchant']);
    assert.equal(merchant.code, 0);
    for (const sub of ['create', 'list', 'show', 'set-fee', 'add-key', 'revoke-key'])
      assert.match(merchant.out, new RegExp(`merchant ${sub}`));
    assert.equal((await runCli(['merchant', '--help'])).out, merchant.out);
  });
});

describe('mistakes are named, with what was meant', () => {
  const usage = async (args: string[], pattern: RegExp) => {
    const run = await runCli(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.err}`);
    assert.match(run.err, pattern);
    assert.equal(run.out, '', 'nothing on stdout');
    assert.ok(run.err.split('\n').length <= 3, `a short message, not the whole usage: ${run.err}`);
    return run.err;
  };

  test('an unknown option: did you mean, for that command', async () => {
    await usage(
      ['merchant', 'create', '--nmae', 'Tea'],
      /unknown option --nmae for "merchant create"; did you mean --name\?/,
    );
    await usage(['settle', '--cutof', '00:00'], /did you mean --cutoff\?/);
    await usage(['payments', 'list', '--sate', 'TRADE_SUCCESS'], /did you mean --state\?/);
    await usage(['merchant', 'list', '--zzzzzz'], /unknown option --zzzzzz for "merchant list"\n/);
    // An option of another command is not one of this one's.
    await usage(['merchant', 'list', '--cutoff', 'now'], /unknown option --cutoff for "merchant list"/);
  });

  test('an unknown command or subcommand: did you mean', async () => {
    await usage(['mercant', 'list'], /unknown command "mercant"; did you mean "merchant"\?/);
    await usage(['merchant', 'crate'], /unknown command "merchant crate"; did you mean "merchant create"\?/);
    await usage(['merchant'], /merchant needs a command: create, list, show, set-fee, add-key, revoke-key/);
    await usage(['frobnicate'], /unknown command "frobnicate" \(umf-gateway help lists them\)/);
    await usage(['hepl'], /did you mean "help"\?/);
  });

  test('missing or extra arguments say what the command takes', async () => {
    await usage(['fx', 'set', 'USD'], /fx set needs CURRENCY RATE, got USD/);
    await usage(['payments', 'show'], /payments show needs PAYMENT_ID/);
    await usage(['merchant', 'list', 'extra'], /merchant list takes no arguments, got extra/);
    await usage(['merchant', 'create'], /merchant create needs --name NAME/);
    await usage(['merchant', 'create', '--name'], /--name needs a value/);
    await usage(['merchant', 'list', '--json=yes'], /--json takes no value/);
  });

  test('flag values are checked before anything is opened, naming what is accepted', async () => {
    const dir = fresh();
    const at = ['--data-dir', dir];
    const err = await usage(
      ['merchant', 'create', '--name', 'Tea', '--currencies', 'US', ...at],
      /unknown currency "US"/,
    );
    assert.match(err, /CNY, HKD, USD, EUR, JPY, GBP, AUD, CAD, NZD, SGD, KRW, CHF, SEK, DKK, NOK/);
    await usage(['merchant', 'create', '--name', 'Tea', '--currencies', 'USD,,EUR', ...at], /comma-separated/);
    await usage(['merchant', 'create', '--name', 'Tea', '--currencies', 'usd,USD', ...at], /names USD twice/);
    await usage(['merchant', 'create', '--name', 'Tea', '--service-fee', '200%', ...at], /more than 100 %/);
    await usage(['merchant', 'create', '--name', 'Tea', '--encryption', 'rsa', ...at], /oaep, pkcs1/);
    await usage(['settle', '--date', '20260230', ...at], /YYYYMMDD/);
    await usage(['settle', '--cutoff', '25:00', ...at], /HH:MM/);
    await usage(['payments', 'list', '--limit', '0', ...at], /--limit must be a whole number from 1 to 500/);
    await usage(['payments', 'list', '--state', 'PAID', ...at], /TRADE_SUCCESS/);
    await usage(['payments', 'list', '--from', '20261205', '--to', '20261201', ...at], /after --to/);
    await usage(['fx', 'set', 'XXX', '7.1', ...at], /unknown currency "XXX"/);
    await usage(['fx', 'set', 'USD', 'seven', ...at], /RATE must be a positive decimal/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was created by a refused command line');
  });
});

describe('a SQLite database that does not exist', () => {
  test('is refused by every command but serve, naming the path; --create creates it', async () => {
    const dir = fresh();
    const typo = join(dir, 'umf-gateway.sqlit');
    const refused = await runCli(['merchant', 'list', '--database', `sqlite:${typo}`, '--data-dir', dir]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`no database at ${typo.replaceAll('.', '\\.')}: check --database`));
    assert.match(refused.err, /--create/);
    assert.equal(existsSync(typo), false, 'no empty database was made');
    const elsewhere = join(dir, 'no', 'such', 'dir', 'x.sqlite');
    const ledger = await runCli(['ledger', 'check', '--database', `sqlite:${elsewhere}`, '--data-dir', dir]);
    assert.equal(ledger.code, 1, 'ledger check does not say OK of a database that is not there');
    assert.doesNotMatch(ledger.out, /ledger OK/);
    assert.equal(existsSync(join(dir, 'no')), false, 'no directories were made');

    const created = await runCli([
      'merchant',
      'list',
      '--database',
      `sqlite:${elsewhere}`,
      '--data-dir',
      dir,
      '--create',
    ]);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /no merchants yet/);
    assert.equal(existsSync(elsewhere), true);
    const again = await runCli(['merchant', 'list', '--database', `sqlite:${elsewhere}`, '--data-dir', dir]);
    assert.equal(again.code, 0, 'an existing database needs no --create');
  });
});
