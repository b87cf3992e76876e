// The Temporal Web UI shows what an operator needs on a finished run: its status and the comparison
// (search attributes and memo, written by workflows/run-state.ts). The UI (2.42.1, in CLI 1.5.1)
// shows only static summary/details under User Metadata, not the SDK's current details, so the
// comparison is checked in the memo. The shared test server runs headless, so this file starts its
// own dev server with the UI, runs a short ECS job on it, and opens the run's page in Debian's
// chromium through playwright-core. Screenshot (the memo tab): test-artifacts/web-ui.png.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { cachedTemporalCliPath, searchAttributeArgs } from '../../client/temporal-server';
import { provision } from '../../workflows/provision';
import { type Stack, startStack } from '../support/stack';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

interface DevServer {
  address: string;
  uiUrl: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `temporal server start-dev` WITH the UI (the shared test server is --headless). */
async function startDevServerWithUi(): Promise<DevServer> {
  const binary = process.env.TEMPORAL_CLI_PATH || cachedTemporalCliPath();
  assert.ok(existsSync(binary), `no Temporal CLI at ${binary}: run scripts/build-temporal-cli.sh`);
  const [port, uiPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'acp-web-ui-'));
  const child: ChildProcess = spawn(
    binary,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--log-level',
      'error',
      '--db-filename',
      join(dir, 'temporal.db'),
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      ...searchAttributeArgs(),
    ],
    { stdio: 'ignore' },
  );
  const address = `127.0.0.1:${port}`;
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  for (let i = 0; ; i++) {
    const health = spawnSync(binary, ['operator', 'cluster', 'health', '--address', address]);
    const ui = await fetch(uiUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (health.status === 0 && ui) break;
    if (i > 150) throw new Error(`the dev server with UI did not start on ${address} / ${uiUrl}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    uiUrl,
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let server: DevServer;
let stack: Stack;
let browser: Browser | undefined;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the Web UI test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)`,
    );
  }
  server = await startDevServerWithUi();
  stack = await startStack('web-ui', {}, { temporalAddress: server.address });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
  server?.stop();
});

test('the Web UI shows a finished run: its status and the comparison', async () => {
  const workflowId = `acp-web-ui-${process.pid}`;
  const handle = await stack.env.client.workflow.start(provision, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ product: 'ecs', script: { content: 'echo shown-in-the-web-ui' }, skipConfirmation: true }],
  });
  const result = await handle.result();
  assert.equal(result.status, 'SUCCEEDED', result.message);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 2400 } });
  await page.goto(
    `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${handle.firstExecutionRunId}/history`,
  );
  await page.getByText('Completed').first().waitFor({ timeout: 60_000 });
  // History: every activity says what it does (the `described` summaries).
  await page.getByText(`RunInstances: ${result.chosen!.spec}`).first().waitFor({ timeout: 30_000 });
  const tab = async (name: string, ready: string): Promise<string> => {
    await page.getByText(name, { exact: true }).first().click();
    await page.getByText(ready).first().waitFor({ timeout: 30_000 });
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, one line per heading and row
    return page.locator('body').innerText();
  };
  const shows = (text: string, re: RegExp, what: string) =>
    assert.ok(re.test(text), `the page shows ${what}`);

  // Search Attributes: what the list view filters on.
  const attributes = await tab('Search Attributes', 'AcpStatus');
  shows(attributes, /AcpStatus[\s\S]{0,40}SUCCEEDED/, 'AcpStatus = SUCCEEDED');
  shows(attributes, /AcpProduct[\s\S]{0,40}ecs/, 'AcpProduct = ecs');
  shows(attributes, /AcpEstimatedCost/, 'the estimated cost');

  // Memo: the options and the chosen one, readable without a worker.
  const memo = await tab('Memo', '"chosen"');
  shows(
    memo,
    new RegExp(`"chosen": "ecs ${result.chosen!.region} ${literal(result.chosen!.spec)}"`),
    'the chosen option',
  );
  shows(memo, /"status": "SUCCEEDED"/, 'the status');
  shows(memo, /"message": "finished with exit code 0; released"/, 'the final message');
  for (const o of result.options.filter((o) => o.feasible).slice(0, 3)) {
    shows(memo, new RegExp(`${literal(o.spec)} CNY ${o.estimatedTotal}`), `option ${o.spec} with its price`);
  }

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'web-ui.png'), fullPage: true });
  assert.ok(existsSync(join(ARTIFACTS, 'web-ui.png')));
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
