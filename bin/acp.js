#!/usr/bin/env node
// The `acp` command: dist/acp.js, the precompiled CLI that `npm install` builds (scripts/build.ts),
// while it matches the sources; otherwise the TypeScript sources through tsx (a fresh edit, or a build
// that failed), slower to start but the same program.
const cli =
  require('./prebuilt').loadPrebuilt() ??
  (() => {
    require('tsx/cjs');
    return require('../client/cli.ts');
  })();
cli.main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
