/**
 * The import rules of packages/gateway/src (architecture-rules.ts, ARCHITECTURE.md "Which folder may
 * import which"): every import of every source file is read with TypeScript's own pre-processor and
 * checked against the table; the graph of modules must have no cycle; only edge files import the
 * wire; only repositories hold SQL; only the app factory mounts routes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { MODULES, isEdgeFile, isWireImport, mayHoldSql, mayImportRoutes } from './architecture-rules.ts';

const SRC = resolve(new URL('../../src', import.meta.url).pathname);
const ARCHITECTURE = resolve(new URL('../../../../ARCHITECTURE.md', import.meta.url).pathname);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The module of a path relative to src/ (see architecture-rules.ts). */
export function moduleOf(path: string): string {
  const parts = path.split('/');
  if (parts.length === 1) return '(root)';
  if (parts[0] === 'channels' && parts[1] === 'sandbox' && parts.length > 2) return 'channels/sandbox';
  return parts[0]!;
}

interface Import {
  readonly from: string;
  /** Relative to src/ for the project's files, the package name otherwise. */
  readonly target: string;
  readonly internal: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) return { from, target: fileName.split('/')[0]!, internal: false };
    return { from, target: relative(SRC, resolve(dirname(file), fileName)), internal: true };
  });
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);

/** Problems of the source tree against the rules; empty when it keeps them. */
export function problemsOf(all: readonly Import[], texts: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const i of all) {
    const own = moduleOf(i.from);
    if (!MODULES[own]) problems.push(`${i.from}: module ${own} is not in the table of architecture-rules.ts`);
    if (i.internal) {
      const target = moduleOf(i.target);
      const allowed = MODULES[own]?.mayImport ?? [];
      if (target !== own && !allowed.includes('*') && !allowed.includes(target)) {
        problems.push(`${i.from} imports ${i.target}: ${own} may not import ${target}`);
      }
      if (/-routes\.ts$/.test(i.target) && !mayImportRoutes(i.from)) {
        problems.push(`${i.from} imports ${i.target}: only app.ts mounts routes`);
      }
    }
    if (isWireImport(i.target) && !isEdgeFile(i.from)) {
      problems.push(
        `${i.from} imports ${i.target}: only the HTTP edge (routes, views, pages, schemas, http/) speaks the wire`,
      );
    }
  }
  for (const [path, text] of texts) {
    if (mayHoldSql(path)) continue;
    if (/\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`|\bsql</.test(text)) {
      problems.push(`${path} holds SQL: SQL lives in *-repository.ts files`);
    }
  }
  const cycle = moduleCycle(all);
  if (cycle) problems.push(`the modules import each other in a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** A cycle in the graph of modules, when there is one. */
export function moduleCycle(all: readonly Import[]): string[] | undefined {
  const edges = new Map<string, Set<string>>();
  for (const i of all) {
    if (!i.internal) continue;
    const a = moduleOf(i.from);
    const b = moduleOf(i.target);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

const texts = new Map(files.map((f) => [relative(SRC, f), readFileSync(f, 'utf8')]));

test('every import of src keeps the architecture rules', () => {
  assert.ok(imports.length > 300, `imports were read (${imports.length})`);
  assert.deepEqual(problemsOf(imports, texts), []);
});

test('the check finds what it guards against (a domain file importing routes, a cycle, SQL in a service)', () => {
  const bad: Import[] = [
    { from: 'payments/payment-service.ts', target: 'payments/payment-routes.ts', internal: true },
    { from: 'ledger/journal.ts', target: 'payments/payment-record.ts', internal: true },
    { from: 'payments/payment-lifecycle.ts', target: 'errors/catalogue.ts', internal: true },
  ];
  const problems = problemsOf(bad, new Map([['refunds/refund-service.ts', "db.selectFrom('refunds')"]]));
  assert.ok(
    problems.some((p) => p.includes('only app.ts mounts routes')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('ledger may not import payments')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('speaks the wire')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('refunds/refund-service.ts holds SQL')),
    problems.join('\n'),
  );
  const cycle = moduleCycle([
    { from: 'payments/a.ts', target: 'refunds/b.ts', internal: true },
    { from: 'refunds/b.ts', target: 'payments/c.ts', internal: true },
  ]);
  assert.deepEqual(cycle, ['payments', 'refunds', 'payments']);
});

test('every module of src is in the table, and the table is the one ARCHITECTURE.md shows', () => {
  const present = new Set(files.map((f) => moduleOf(relative(SRC, f))));
  for (const m of present) assert.ok(MODULES[m], `module ${m} has a row in architecture-rules.ts`);
  for (const m of Object.keys(MODULES)) assert.ok(present.has(m), `module ${m} of the table exists in src`);
  const doc = readFileSync(ARCHITECTURE, 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([^`]+)` \| ([^|]*) \| ([^|]*) \|$/.exec(line.trim());
    if (!m) continue;
    const list = m[3]!.trim();
    rows.set(
      m[1]!,
      list === '-' ? [] : list === 'anything' ? ['*'] : list.split(',').map((s) => s.trim().replace(/`/g, '')),
    );
  }
  for (const [name, rule] of Object.entries(MODULES)) {
    assert.deepEqual(rows.get(name), [...rule.mayImport], `ARCHITECTURE.md row of ${name}`);
  }
  assert.equal(rows.size, Object.keys(MODULES).length, 'ARCHITECTURE.md has one row per module');
});
