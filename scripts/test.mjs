#!/usr/bin/env node
// `npm test`: node's test runner over test/**/*.test.ts (or the files given), with tsx.
// - The Alibaba default credentials chain must never probe the instance metadata address
//   (100.100.100.200) or read a developer's CLI profile, so both are switched off for every test.
// - Workflow tests need a real Temporal server. With TEMPORAL_ADDRESS set, that one is used;
//   otherwise one dev server is started here for the whole run (built from Go modules on first use,
//   see scripts/build-temporal-cli.sh) so test files do not each start their own.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function temporalBinary() {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const cached = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'acp',
    'temporal-cli-1.5.1',
    'temporal',
  );
  if (!existsSync(cached)) {
    console.error('Building the Temporal CLI from Go modules (once, ~6 minutes)…');
    execFileSync('bash', [join(root, 'scripts/build-temporal-cli.sh')], { stdio: 'inherit' });
  }
  return cached;
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startDevServer(binary) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'acp-test-temporal-'));
  // The search attributes come from the one list acp registers everywhere (workflows/search-attributes.ts).
  const attrArgs = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      'console.log(require("./client/temporal-server").searchAttributeArgs().join("\\n"))',
    ],
    { cwd: root, encoding: 'utf8' },
  )
    .trim()
    .split('\n');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--log-level',
    'error',
    '--db-filename',
    join(dir, 'temporal.db'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...attrArgs,
  ];
  const child = spawn(binary, args, { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    const r = spawnSync(binary, ['operator', 'cluster', 'health', '--address', address], { stdio: 'ignore' });
    if (r.status === 0) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  return {
    address,
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args : findTests(join(root, 'test'));
const env = {
  ...process.env,
  ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
  ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
  ACP_TEST: '1',
};
let server;
if (!env.TEMPORAL_ADDRESS) {
  // A developer's Temporal Cloud or cluster settings are for that server, not the dev server started
  // here (acp would speak TLS to it).
  for (const name of Object.keys(env)) {
    if (name === 'TEMPORAL_API_KEY' || name.startsWith('TEMPORAL_TLS')) delete env[name];
  }
  const binary = temporalBinary();
  server = await startDevServer(binary);
  env.TEMPORAL_ADDRESS = server.address;
  env.TEMPORAL_CLI_PATH = binary;
  console.log(`Temporal dev server for this run: ${server.address} (${binary})`);
}
// The live backstop test crosses 50 minutes of workflow time on Temporal's time-skipping test server
// (Maven Central); fetched once like the CLI above.
if (files.some((f) => f.includes('backstop-live'))) {
  execFileSync('bash', [join(root, 'scripts/fetch-temporal-test-server.sh')], { stdio: 'inherit' });
}
const concurrency = process.env.ACP_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env, cwd: root },
);
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
server?.stop();
process.exit(code);
