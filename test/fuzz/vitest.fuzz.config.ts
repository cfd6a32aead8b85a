import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run fuzz`: the long campaign only, no time limit, console output shown as it comes. */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/fuzz/campaign.fuzz.ts'],
    testTimeout: 0,
    pool: 'forks',
    reporters: ['default'],
  },
});
