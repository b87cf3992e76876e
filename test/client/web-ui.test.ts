// The Temporal Web UI shows what an operator needs on a finished run: its status (green only when it
// succeeded: a FAILED/REJECTED/EXPIRED/OVER_BUDGET run fails its workflow), what it ran where for how
// much at the top of the page (the result's `summary`, or the failure message), and the comparison
// (search attributes, memo, and the Current Details under User Metadata while a worker answers; all
// written by workflows/run-state.ts). The shared test server runs headless, so this file starts its own
// dev server with the UI (2.42.1, in CLI 1.5.1), runs short ECS jobs on it, and opens their pages in
// Debian's chromium through playwright-core. Screenshots: test-artifacts/web-ui.png (a finished run,
// the memo tab) and test-artifacts/web-ui-failed.png (a failed run, the history tab).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { cachedTemporalCliPath, searchAttributeArgs } from '../../client/temporal-server';
import type { RunStatus } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
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

async function openBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
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
  return browser;
}

/** Runs one ECS job to its end on the stack and opens its page (History tab). */
async function runAndOpen(name: string, script: string) {
  const workflowId = `acp-web-ui-${name}-${process.pid}`;
  const handle = await stack.env.client.workflow.start(provision, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ product: 'ecs', script: { content: script }, skipConfirmation: true }],
  });
  const result = await runResult(handle);
  const page = await (await openBrowser()).newPage({ viewport: { width: 1440, height: 2400 } });
  await page.goto(
    `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${handle.firstExecutionRunId}/history`,
  );
  const tab = async (tabName: string, ready: string): Promise<string> => {
    await page.getByText(tabName, { exact: true }).first().click();
    await page.getByText(ready).first().waitFor({ timeout: 30_000 });
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, one line per heading and row
    return page.locator('body').innerText();
  };
  return { result, page, tab };
}

/** The page's text once `re` shows in it (the page fills in piece by piece), or after 30 s. */
async function textUntil(page: Page, re: RegExp): Promise<string> {
  let text = '';
  for (let i = 0; i < 60 && !re.test(text); i++) {
    if (i > 0) await page.waitForTimeout(500);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, one line per heading and row
    text = await page.locator('body').innerText();
  }
  return text;
}

const shows = (text: string, re: RegExp, what: string) => assert.ok(re.test(text), `the page shows ${what}`);

/** "ecs ecs.c6.large in cn-hangzhou-h · est. CNY 0.22": product, spec, where and the price. */
function summaryPattern(r: RunStatus): RegExp {
  const o = r.chosen!;
  return new RegExp(
    `ecs ${literal(o.spec)} in ${literal(o.zone ?? o.region)} · est\\. CNY ${r.estimatedCost!.toFixed(2)}`,
  );
}

test('the Web UI shows a finished run: its status, what it ran where for how much, and the comparison', async () => {
  const { result, page, tab } = await runAndOpen('ok', 'echo shown-in-the-web-ui');
  assert.equal(result.status, 'SUCCEEDED', result.message);
  await page.getByText('Completed').first().waitFor({ timeout: 60_000 });
  // History: every activity says what it does (the `described` summaries).
  await page.getByText(`RunInstances: ${result.chosen!.spec}`).first().waitFor({ timeout: 30_000 });
  // The result at the top of the page opens with the run's one-line summary.
  const history = await textUntil(page, summaryPattern(result));
  shows(history, summaryPattern(result), 'product, spec, zone and price in the result');

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

test('a failed run is red in the Web UI, says why and what it ran where for how much at the top', async () => {
  const { result, page, tab } = await runAndOpen('failed', 'echo about-to-fail; exit 3');
  assert.equal(result.status, 'FAILED', result.message);
  assert.equal(result.error?.code, 'ScriptFailed');
  // The badge next to the run's id: Failed (red), not Completed (green).
  await page.getByText('Failed', { exact: true }).first().waitFor({ timeout: 60_000 });
  await page.getByText('Workflow Execution Failed').first().waitFor({ timeout: 30_000 });
  const failure = new RegExp(
    `FAILED · ${summaryPattern(result).source}[^\\n]* — ScriptFailed: the script exited with code 3`,
  );
  const history = await textUntil(page, failure);
  shows(history, failure, 'the status, product, spec, zone, price and the reason in the failure at the top');
  assert.equal(await page.getByText('Completed', { exact: true }).count(), 0, 'no "Completed" badge');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'web-ui-failed.png'), fullPage: false });
  assert.ok(existsSync(join(ARTIFACTS, 'web-ui-failed.png')));

  // The same summary heads the run's Current Details (User Metadata), which the UI renders in a
  // frame of its own from the workflow's metadata query (answered by the stack's worker).
  await tab('User Metadata', 'Current Details');
  let details = '';
  for (let i = 0; i < 60 && !/Output \(tail\)/.test(details); i++) {
    await page.waitForTimeout(500);
    const texts = await Promise.all(
      page.frames().map((f) =>
        f
          .locator('body')
          .textContent()
          .catch(() => ''),
      ),
    );
    details = texts.join('\n');
  }
  shows(details, summaryPattern(result), 'the summary in Current Details');
  shows(details, /ScriptFailed: the script exited with code 3/, 'why it failed in Current Details');
  shows(details, /about-to-fail/, "the script's output in Current Details");
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
