/** `umf-gateway platform cert`: the platform's X.509 certificate (PEM), whose key signs answers and notifications. */
import { loadKeys } from '../context.ts';
import type { Command } from './command.ts';

export const platformCertCommand: Command = {
  words: ['platform', 'cert'],
  summary: 'print the platform certificate (PEM): verifies answers and notifications, encrypts card fields',
  examples: ['umf-gateway platform cert > platform.crt'],
  async run({ config, json, io, store }) {
    const keys = await loadKeys({ dataDir: config.dataDir, masterKeyEnv: config.masterKeyEnv }, await store());
    io.out(json ? JSON.stringify({ certificate: keys.platform.certificatePem }) + '\n' : keys.platform.certificatePem);
    return 0;
  },
};
