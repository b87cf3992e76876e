// `npm run build`, and `npm install` / `npm ci` through `prepare`: the precompiled JavaScript the `acp`
// command starts from, so a command does not transpile TypeScript, resolve thousands of SDK files
// or bundle workflow code before its first step.
//   dist/acp.js                the command line itself (client/cli.ts, commander): all `--help` loads
//   dist/commands.js           what the commands run in-process (activities, emulator, the Alibaba
//                              SDKs) in one file, loaded with a V8 code cache (bin/prebuilt.js);
//                              @temporalio/* stay in node_modules (native core, the worker's bundler)
//   dist/acp.json              the repo sources it was built from (size, mtime, SHA-256): bin/acp.js
//                              runs dist/acp.js only while they are unchanged, else the sources via tsx
//   dist/workflow-bundle.js    the workflow code every worker runs (worker/workflow-bundle.ts)
// `--if-possible` (prepare): a failed build warns and leaves acp running from the sources.
// `--cli-only --out <dir>`: only the two CLI files, into <dir> (the build test's check that every
// dependency bundles, without touching dist/).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { installRoot } from '../worker/install-root';
import { bundleWorkflows, saveWorkflowBundle } from '../worker/workflow-bundle';
import { bundleNodeProgram } from './node-bundle';

const root = installRoot();
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 ? resolve(process.argv[outAt + 1] ?? '') : join(root, 'dist');
const cliOnly = process.argv.includes('--cli-only');

/** The commands' module, in dist/acp.js: loaded from dist/commands.js through bin/prebuilt.js's cache. */
const commandsFromPrebuilt: Plugin = {
  name: 'acp-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands$/ }, (args) =>
      args.importer.endsWith(join('client', 'cli.ts'))
        ? { path: 'commands', namespace: 'acp-commands' }
        : undefined,
    );
    b.onResolve({ filter: /prebuilt\.js$/, namespace: 'acp-commands' }, (args) => ({
      path: args.path,
      external: true,
    }));
    b.onLoad({ filter: /.*/, namespace: 'acp-commands' }, () => ({
      contents: "module.exports = require('../bin/prebuilt.js').loadBundle('commands.js');",
      loader: 'js',
    }));
  },
};

type Inputs = Record<string, { size: number; mtimeMs: number; sha256: string }>;

async function bundle(entry: string, out: string, plugins: Plugin[] = []): Promise<Inputs> {
  const outfile = join(dist, out);
  const tmp = `${outfile}.${process.pid}`;
  const metafile = await bundleNodeProgram(join(root, entry), tmp, plugins);
  const inputs: Inputs = {};
  for (const input of Object.keys(metafile.inputs)) {
    if (input.includes('node_modules/') || input.includes(':')) continue;
    const file = join(process.cwd(), input);
    const rel = relative(root, file);
    if (rel.startsWith('..')) continue;
    const st = statSync(file);
    inputs[rel] = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    };
  }
  renameSync(tmp, outfile);
  return inputs;
}

async function buildCli(): Promise<number> {
  const [cli, commands] = await Promise.all([
    bundle('client/cli.ts', 'acp.js', [commandsFromPrebuilt]),
    bundle('client/commands.ts', 'commands.js'),
  ]);
  // A code cache of an older build would only be rejected: start without one.
  for (const f of readdirSafe(dist)) if (f.endsWith('.cache')) rmSync(join(dist, f));
  const inputs = { ...cli, ...commands };
  writeFileSync(join(dist, 'acp.json'), `${JSON.stringify({ node: process.version, inputs }, null, 2)}\n`);
  return Object.keys(inputs).length;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const lenient = process.argv.includes('--if-possible');
  const started = Date.now();
  try {
    mkdirSync(dist, { recursive: true });
    const [sources] = await Promise.all([
      buildCli(),
      cliOnly ? undefined : bundleWorkflows(root).then((code) => saveWorkflowBundle(code, root)),
    ]);
    process.stderr.write(
      `acp: built dist/acp.js (${sources} sources) and dist/workflow-bundle.js in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } catch (err) {
    if (!lenient) throw err;
    process.stderr.write(
      `acp: the build failed (${(err as Error).message.split('\n')[0]}); acp runs from the TypeScript sources instead (slower start). \`npm run build\` retries.\n`,
    );
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
