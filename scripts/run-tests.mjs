#!/usr/bin/env node
// `npm test`: every *.test.ts under packages/*/test, run by Node's own test runner through tsx.
// `--conditions=umf-source` makes `import 'umf-sdk'` load the SDK's TypeScript sources (the `umf-source`
// export of packages/sdk/package.json) instead of its build, so tests need no build step.
// Extra arguments narrow the run: `npm test -- payments` runs the files whose path contains "payments".
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const testDir = join(root, 'packages', pkg, 'test');
  try {
    statSync(testDir);
  } catch {
    continue;
  }
  walk(testDir, files);
}
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--conditions=umf-source', '--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...selected],
  { cwd: root, stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
