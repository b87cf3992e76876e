// Chaos: many provisioning runs while the worker process is SIGKILLed at random moments and started
// again. Afterwards every run is terminal, nothing a finished run created is still alive, and no run
// ever owned two of the same resource. `npm run chaos` (30 runs, 8 kills); the CI test runs fewer.
//
//   npm run chaos -- [--runs N] [--kills N] [--seed N]
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { type RunningEmulator, startEmulator } from '../emulator';
import type { ProvisionRequest } from '../planner/types';
import type { ProvisionResult } from '../workflows/messages';
import { provision } from '../workflows/provision';

const ROOT = join(__dirname, '..');
const TYPES = ['instance', 'security-group', 'vpc', 'vswitch'];

export interface ChaosOptions {
  client: Client;
  /** host:port of the Temporal server the worker child connects to. */
  address: string;
  runs: number;
  kills: number;
  seed?: number;
  /** An emulator to use; otherwise one is started in this process. */
  emulator?: RunningEmulator;
  log?: (line: string) => void;
  /** Give up waiting for the runs after this long (default 15 min). */
  timeoutMs?: number;
}

export interface ChaosReport {
  runs: number;
  kills: number;
  terminal: number;
  statuses: Record<string, number>;
  /** Live resources tagged by a run that finished. */
  leaks: number;
  duplicates: number;
  /** Successful create calls beyond one per resource: ClientToken replays after a kill (no new resource). */
  createReplays: number;
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

/** The acp worker as a child process, exactly as `acp worker` runs it, pointed at the emulator. */
class WorkerProcess {
  private child?: ChildProcess;
  readonly tail: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Starts it and resolves once it polls (it prints "acp worker on …" after bundling). */
  start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "require('./worker/worker').runWorker(process.env.TEMPORAL_ADDRESS).catch((e) => { console.error(e); process.exit(1); })",
      ],
      { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
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

function requestFor(i: number): ProvisionRequest {
  // Mostly one-shot jobs; every fourth a service that its TTL ends.
  return i % 4 === 3
    ? {
        product: 'ecs',
        service: true,
        ttl: '5s',
        script: { content: `echo chaos-service-${i}` },
        skipConfirmation: true,
      }
    : { product: 'ecs', script: { content: `echo chaos-${i}` }, skipConfirmation: true };
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const random = rng(opts.seed ?? 1);
  const emulator = opts.emulator ?? (await startEmulator({ port: 0, exec: 'local', speed: 600 }));
  const taskQueue = `chaos-${process.pid}-${Date.now()}`;
  const worker = new WorkerProcess({
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
    // Each run makes its own VPC; the real default quota (10 per region) would BLOCK a 30-run burst,
    // which is correct behaviour but not what this harness measures.
    await admin('/__emulator/faults', {
      method: 'POST',
      body: JSON.stringify({ quota: { 'vpc.vpcs': 1000 } }),
    });
    await worker.start();
    const prefix = `acp-chaos-${process.pid}-${Date.now()}`;
    const handles = await Promise.all(
      Array.from({ length: opts.runs }, (_, i) =>
        opts.client.workflow.start(provision, {
          taskQueue,
          workflowId: `${prefix}-${i}`,
          args: [requestFor(i)],
        }),
      ),
    );
    const outcomes: (PromiseSettledResult<ProvisionResult> | undefined)[] = handles.map(() => undefined);
    const results = Promise.allSettled(
      handles.map((h, i) =>
        h.result().then(
          (value) => {
            outcomes[i] = { status: 'fulfilled', value };
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
    if ((await Promise.race([results, timeout])) === 'timeout') log('chaos: timed out waiting for runs');
    const settled = outcomes.map(
      (o): PromiseSettledResult<ProvisionResult> =>
        o ?? {
          status: 'rejected',
          reason: Object.assign(new Error('not terminal'), { name: 'NotTerminal' }),
        },
    );
    const statuses: Record<string, number> = {};
    for (const s of settled) {
      const status = s.status === 'fulfilled' ? s.value.status : `error:${(s.reason as Error)?.name}`;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const terminal = settled.filter((s) => s.status === 'fulfilled').length;
    const ids = new Set(handles.map((h) => h.workflowId));
    const owner = (r: any) => r.tags?.['acp:workflow-id'];
    const finished = new Set(
      handles.filter((_, i) => settled[i]?.status === 'fulfilled').map((h) => h.workflowId),
    );
    const live = (await admin('/__emulator/resources')).resources.filter((r: any) => finished.has(owner(r)));
    const ever = (await admin('/__emulator/resources?all=1')).resources.filter((r: any) => ids.has(owner(r)));
    let duplicates = 0;
    for (const id of ids) {
      for (const type of TYPES) {
        const n = ever.filter((r: any) => owner(r) === id && r.type === type).length;
        if (n > 1) duplicates += n - 1;
      }
    }
    const { calls } = await admin('/__emulator/calls');
    const creates = calls.filter(
      (c: any) =>
        c.code === 'OK' &&
        ['RunInstances', 'CreateVpc', 'CreateVSwitch', 'CreateSecurityGroup'].includes(c.action),
    ).length;
    return {
      runs: opts.runs,
      kills,
      terminal,
      statuses,
      leaks: live.length,
      duplicates,
      createReplays: creates - ever.length,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await worker.kill();
    if (!opts.emulator) await emulator.stop();
  }
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
      runs: flag('runs', 30),
      kills: flag('kills', 8),
      seed: flag('seed', 1),
      log: (l) => console.log(l),
    });
    console.log(
      `chaos: runs=${report.runs} kills=${report.kills} terminal=${report.terminal} statuses=${JSON.stringify(report.statuses)} leaks=${report.leaks} duplicates=${report.duplicates} createReplays=${report.createReplays} elapsed=${(report.elapsedMs / 1000).toFixed(0)}s`,
    );
    const ok = report.terminal === report.runs && report.leaks === 0 && report.duplicates === 0;
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
