#!/usr/bin/env node
// Process entry of the `umf-gateway` CLI. The sources are TypeScript run through tsx's loader,
// so a fresh clone works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Every command closes what it opened; should anything still hold the event loop, the command has
// ended all the same: do not let the process look alive.
setTimeout(() => process.exit(code), 2000).unref();
