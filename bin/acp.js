#!/usr/bin/env node
// The `acp` command. Runs the TypeScript sources through tsx so a fresh clone needs no build step.
require('tsx/cjs');
require('../client/cli.ts')
  .main(process.argv)
  .catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
