// Chaos: many provisioning runs of all four products while the worker process is SIGKILLed at random
// moments and started again. Afterwards every run is terminal, nothing a finished run created is
// still alive, no run ever owned two of the same resource, and the emulator's call log shows one
// successful create per resource (ClientToken replays that handed back the same resource are counted
// apart). `npm run chaos` (32 runs, 8 kills); the CI test runs fewer.
//
//   npm run chaos -- [--runs N] [--kills N] [--seed N] [--products ecs,fc,ack,pai]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { runResult } from '../client/runs';
import { type RunningEmulator, startEmulator } from '../emulator';
import type { Product, ProvisionRequest } from '../planner/types';
import { workflowsPath } from '../worker/worker';
import type { ProvisionResult } from '../workflows/messages';
import { provision } from '../workflows/provision';
import { AcpStatus } from '../workflows/search-attributes';
import { accountRuns, type CallRow, PRODUCT_REGION, type ResourceRow } from './run-accounting';

const ROOT = join(__dirname, '..');

export const CHAOS_PRODUCTS: readonly Product[] = ['ecs', 'fc', 'ack', 'pai'];

export interface ChaosOptions {
  client: Client;
  /** host:port of the Temporal server the worker child connects to. */
  address: string;
  runs: number;
  kills: number;
  seed?: number;
  /** The products to mix, round robin (default all four). */
  products?: readonly Product[];
  /** An emulator to use; otherwise one is started in this process. */
  emulator?: RunningEmulator;
  log?: (line: string) => void;
  /** Give up waiting for the runs after this long (default 15 min). */
  timeoutMs?: number;
}

/** The figures of one product's runs (or of all runs). */
export interface ChaosFigures {
  runs: number;
  /** Runs that reached a terminal status. */
  terminal: number;
  statuses: Record<string, number>;
  /** Live resources tagged by a run that finished. */
  leaks: number;
  /** Distinct resources beyond one per (run, type, step). */
  duplicates: number;
  /** Successful create calls (the Kubernetes Job's create is not in the call log). */
  creates: number;
  /** Successful create calls beyond one per resource: ClientToken replays after a kill (no new resource). */
  createReplays: number;
}

export interface StuckRun {
  workflowId: string;
  product: Product;
  status: string;
  pendingActivities: string[];
}

export interface ChaosReport extends ChaosFigures {
  kills: number;
  byProduct: Record<Product, ChaosFigures>;
  /** Runs still open when the harness stopped waiting, with what they were waiting for. */
  stuck: StuckRun[];
  elapsedMs: number;
}

/** mulberry32: the kill moments are reproducible from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The acp worker as a child process, built the way `acp worker` builds it (createAcpWorker: the same
 * activities, SDK clients from the environment, pointed at the emulator), except that it loads a
 * workflow bundle built once by the harness: re-bundling on every restart costs 10–30 s on a busy
 * machine and is not what a crash tests.
 */
const WORKER_MAIN = `
const { NativeConnection } = require('@temporalio/worker');
const { createAcpWorker } = require('./worker/worker');
(async () => {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await createAcpWorker({ connection, workflowBundle: { codePath: process.env.ACP_CHAOS_BUNDLE } });
  console.error('acp worker on ' + process.env.TEMPORAL_ADDRESS);
  await worker.run();
})().catch((e) => { console.error(e); process.exit(1); });
`;

class WorkerProcess {
  private child?: ChildProcess;
  readonly tail: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Starts it and resolves once it polls (it prints "acp worker on …" once created). */
  start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', WORKER_MAIN], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      const onData = (d: Buffer) => {
        const text = d.toString();
        this.tail.push(...text.split('\n').filter(Boolean));
        this.tail.splice(0, Math.max(0, this.tail.length - 200));
        if (text.includes('acp worker on')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL')
          reject(new Error(`worker exited ${code ?? signal}: ${this.tail.slice(-20).join('\n')}`));
      });
    });
  }

  kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** Round robin over the products; every other ECS run is a service that its TTL ends. */
export function chaosRequest(i: number, products: readonly Product[] = CHAOS_PRODUCTS): ProvisionRequest {
  const product = products[i % products.length]!;
  const base = { product, region: PRODUCT_REGION[product], skipConfirmation: true };
  if (product === 'ecs' && i % (2 * products.length) !== 0)
    return { ...base, service: true, ttl: '5s', script: { content: `echo chaos-service-${i}` } };
  return { ...base, script: { content: `echo chaos-${product}-${i}` } };
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const random = rng(opts.seed ?? 1);
  const emulator = opts.emulator ?? (await startEmulator({ port: 0, exec: 'local', speed: 600 }));
  const taskQueue = `chaos-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'acp-chaos-'));
  const bundlePath = join(dir, 'workflows.js');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quiet });
  writeFileSync(bundlePath, code);
  const worker = new WorkerProcess({
    ACP_CHAOS_BUNDLE: bundlePath,
    ...process.env,
    TEMPORAL_ADDRESS: opts.address,
    ACP_TASK_QUEUE: taskQueue,
    ACP_ALIBABA_ENDPOINT: emulator.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKeySecret,
    ALIBABA_CLOUD_ACCOUNT_ID: emulator.accountId,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ACP_PAYLOAD_KEY: '',
  });
  const admin = async (path: string, init?: RequestInit) =>
    (await fetch(`${emulator.url}${path}`, init)).json() as Promise<any>;
  try {
    // Each ECS and ACK run makes its own VPC; the real default quota (10 per region) would BLOCK a
    // 30-run burst, which is correct behaviour but not what this harness measures.
    await admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ quota: { 'vpc.vpcs': 1000 } }),
    });
    await worker.start();
    const prefix = `acp-chaos-${process.pid}-${Date.now()}`;
    const requests = Array.from({ length: opts.runs }, (_, i) => chaosRequest(i, opts.products));
    const handles = await Promise.all(
      requests.map((request, i) =>
        opts.client.workflow.start(provision, {
          taskQueue,
          workflowId: `${prefix}-${request.product}-${i}`,
          args: [request],
        }),
      ),
    );
    const outcomes: (PromiseSettledResult<ProvisionResult> | undefined)[] = handles.map(() => undefined);
    const results = Promise.allSettled(
      handles.map((h, i) =>
        runResult(h).then(
          (value) => {
            outcomes[i] = { status: 'fulfilled', value };
            const why =
              value.status === 'SUCCEEDED'
                ? ''
                : `: ${value.message} | output: ${(value.execution?.outputTail ?? '').slice(-300)}`;
            log(
              `chaos: ${h.workflowId} ${value.status} at ${((Date.now() - started) / 1000).toFixed(1)} s${why}`,
            );
          },
          (reason: unknown) => {
            outcomes[i] = { status: 'rejected', reason };
          },
        ),
      ),
    );
    let kills = 0;
    let done = false;
    void results.then(() => {
      done = true;
    });
    while (kills < opts.kills && !done) {
      await new Promise((r) => setTimeout(r, 1_000 + random() * 4_000));
      if (done) break;
      await worker.kill();
      kills += 1;
      log(
        `chaos: SIGKILL #${kills} at ${((Date.now() - started) / 1000).toFixed(1)} s; restarting the worker`,
      );
      await worker.start();
    }
    // A run that never ends (BLOCKED forever, a bug) must show in the report, not hang the harness.
    const timeout = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), opts.timeoutMs ?? 15 * 60_000).unref(),
    );
    const stuck: StuckRun[] = [];
    if ((await Promise.race([results, timeout])) === 'timeout') {
      log('chaos: timed out waiting for runs');
      for (const [i, h] of handles.entries()) {
        if (outcomes[i]) continue;
        const d = await h.describe();
        stuck.push({
          workflowId: h.workflowId,
          product: requests[i]!.product!,
          status: d.typedSearchAttributes.get(AcpStatus) ?? d.status.name,
          pendingActivities: (d.raw.pendingActivities ?? []).map((a) =>
            `${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message ?? ''}`.trim(),
          ),
        });
      }
      for (const s of stuck)
        log(`chaos: stuck ${s.workflowId} ${s.status} [${s.pendingActivities.join('; ')}]`);
    }
    const settled = outcomes.map(
      (o): PromiseSettledResult<ProvisionResult> =>
        o ?? {
          status: 'rejected',
          reason: Object.assign(new Error('not terminal'), { name: 'NotTerminal' }),
        },
    );
    const ever: ResourceRow[] = (await admin('/__emulator/resources?all=1')).resources;
    const live: ResourceRow[] = (await admin('/__emulator/resources')).resources;
    const { calls } = (await admin('/__emulator/calls')) as { calls: CallRow[] };

    const figures = (indices: number[], product?: Product): ChaosFigures => {
      const statuses: Record<string, number> = {};
      for (const i of indices) {
        const s = settled[i]!;
        const status = s.status === 'fulfilled' ? s.value.status : `error:${(s.reason as Error)?.name}`;
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      const terminal = indices.filter((i) => settled[i]!.status === 'fulfilled').length;
      const runs = indices.map((i) => ({
        workflowId: handles[i]!.workflowId,
        finished: settled[i]!.status === 'fulfilled',
      }));
      const products = product ? [product] : CHAOS_PRODUCTS;
      const parts = products.map((p) =>
        accountRuns(
          p,
          runs.filter((_, k) => requests[indices[k]!]!.product === p),
          ever,
          live,
          calls,
        ),
      );
      const sum = (key: 'leaks' | 'duplicates' | 'creates' | 'createReplays') =>
        parts.reduce((s, x) => s + x[key], 0);
      return {
        runs: indices.length,
        terminal,
        statuses,
        leaks: sum('leaks'),
        duplicates: sum('duplicates'),
        creates: sum('creates'),
        createReplays: sum('createReplays'),
      };
    };
    const all = requests.map((_, i) => i);
    const byProduct = Object.fromEntries(
      CHAOS_PRODUCTS.map((p) => [
        p,
        figures(
          all.filter((i) => requests[i]!.product === p),
          p,
        ),
      ]),
    ) as Record<Product, ChaosFigures>;
    return { ...figures(all), kills, byProduct, stuck, elapsedMs: Date.now() - started };
  } finally {
    await worker.kill();
    if (!opts.emulator) await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as quotable lines: one for all runs, one per product. */
export function chaosLines(report: ChaosReport): string[] {
  const line = (f: ChaosFigures) =>
    `runs=${f.runs} terminal=${f.terminal} statuses=${JSON.stringify(f.statuses)} leaks=${f.leaks} duplicates=${f.duplicates} creates=${f.creates} createReplays=${f.createReplays}`;
  return [
    `chaos: kills=${report.kills} ${line(report)} elapsed=${(report.elapsedMs / 1000).toFixed(0)}s`,
    ...CHAOS_PRODUCTS.map((p) => `chaos: product=${p} ${line(report.byProduct[p])}`),
  ];
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const { startTemporal } = require('../test/support/temporal') as typeof import('../test/support/temporal');
  const env = await startTemporal();
  try {
    const report = await runChaos({
      client: env.client,
      address: env.address,
      runs: flag('runs', 32),
      ...(argv.includes('--products')
        ? { products: argv[argv.indexOf('--products') + 1]!.split(',') as Product[] }
        : {}),
      kills: flag('kills', 8),
      seed: flag('seed', 1),
      log: (l) => console.log(l),
    });
    for (const l of chaosLines(report)) console.log(l);
    const ok =
      report.terminal === report.runs &&
      report.leaks === 0 &&
      report.duplicates === 0 &&
      report.statuses.SUCCEEDED === report.runs;
    process.exitCode = ok ? 0 : 1;
  } finally {
    await env.teardown();
  }
}

if (require.main === module) {
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
  process.env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED = 'true';
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
