// What every benchmark runs on, all real: one Temporal dev server, one in-process emulator whose
// catalogue the benchmarks can swap (default / seeded random / ample stock), and workers in child
// processes (bench/worker-process.ts, compiled like `acp worker`) loading workflow bundles built once here.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import {
  type AlibabaClients,
  cloudConfigFromEnv,
  createClients,
  staticCredential,
} from '../activities/clients';
import { defaultCatalogue, randomCatalogue, startEmulator } from '../emulator';
import type { Catalogue } from '../emulator/types';
import { bundleNodeProgram } from '../scripts/node-bundle';
import { startTemporal } from '../test/support/temporal';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../worker/worker';

export type CatalogueChoice =
  | { kind: 'default' }
  | { kind: 'seed'; seed: number; promotions?: boolean }
  | { kind: 'ample' };

/** Stock per (zone, type) for the saga and scale runs, so a thousand instances never hit NoStock. */
const AMPLE_STOCK = 1_000_000;

export interface WorkerProcess {
  kind: 'acp' | 'raw' | 'cli';
  pid: number;
  taskQueue: string;
  facts: Record<string, unknown>;
  /** Resident set size of the worker process, MiB (from /proc/<pid>/status VmRSS). */
  rssMiB(): number;
  stop(): Promise<void>;
}

export interface BenchStack {
  env: TestWorkflowEnvironment;
  client: Client;
  address: string;
  emulator: Awaited<ReturnType<typeof startEmulator>>;
  clients: AlibabaClients;
  /** Swaps the emulator's catalogue and resets it (resources, calls, faults). */
  useCatalogue(choice: CatalogueChoice): Promise<void>;
  admin(path: string, init?: { method: string; body?: unknown }): Promise<any>;
  setLatency(ms: number): Promise<void>;
  clearCalls(): Promise<void>;
  /** API calls since the last clear, by action. */
  calls(): Promise<{ total: number; byAction: Record<string, number> }>;
  /**
   * Waits (at most 30 s) until the dev server and every worker are quiet: under 5 % of a core each
   * over one second. A figure timed right after a build or a burst otherwise measures their leftovers.
   */
  settle(): Promise<void>;
  /**
   * A worker in its own process; `env` adds to its environment (e.g. ACP_PRICE_TTL_SECONDS). `acp`
   * and `raw` serve bench/workflows.ts and bench/raw-workflow.ts from one prebuilt bundle; `cli` is
   * `acp worker` itself, exactly as an operator runs it (its own bundle, its own start-up).
   */
  startWorker(
    kind: 'acp' | 'raw' | 'cli',
    taskQueue: string,
    env?: Record<string, string>,
  ): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

/** `temporalAddress`: a server to use (a cluster); otherwise the one startTemporal() finds or starts. */
export async function startBenchStack(temporalAddress?: string): Promise<BenchStack> {
  let choice: CatalogueChoice = { kind: 'default' };
  const makeCatalogue = (): Catalogue => {
    if (choice.kind === 'seed') return randomCatalogue(choice.seed, { promotions: choice.promotions });
    const c = defaultCatalogue();
    if (choice.kind === 'ample') {
      for (const r of c.regions)
        for (const z of r.zones) for (const t of Object.keys(z.stock)) z.stock[t] = AMPLE_STOCK;
    }
    return c;
  };
  // exec 'none': scripts "exit 0" at once; speed 3600: an instance is Running ~17 ms after create.
  const [env, emulator] = await Promise.all([
    startTemporal(temporalAddress),
    startEmulator({ port: 0, exec: 'none', speed: 3600, seed: 1, catalogue: makeCatalogue }),
  ]);
  const clients = createClients(
    cloudConfigFromEnv(
      { ACP_ALIBABA_ENDPOINT: emulator.endpoint },
      staticCredential(emulator.accessKeyId, emulator.accessKeySecret),
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'acp-bench-'));
  const bundles = {
    acp: join(dir, 'acp-workflows.js'),
    raw: join(dir, 'raw-workflow.js'),
  };
  const [acpBundle, rawBundle] = await Promise.all([
    bundleQuietly(require.resolve('./workflows')),
    bundleQuietly(require.resolve('./raw-workflow')),
  ]);
  writeFileSync(bundles.acp, acpBundle);
  writeFileSync(bundles.raw, rawBundle);
  /** Compiled on the first worker that runs it (not for `acp worker`, nor with BENCH_WORKER_SCRIPT). */
  let workerScript: Promise<string> | undefined;
  const workers = new Set<WorkerProcess>();

  const admin = async (path: string, init?: { method: string; body?: unknown }) => {
    const r = await fetch(`${emulator.url}${path}`, {
      method: init?.method ?? 'GET',
      ...(init?.body !== undefined
        ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    return r.json();
  };

  /** `acp worker`, with the emulator's key through the default credentials chain (environment). */
  const startCliWorker = async (taskQueue: string, extraEnv: Record<string, string>) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'bin', 'acp.js'), 'worker'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        ACP_TASK_QUEUE: taskQueue,
        ACP_ALIBABA_ENDPOINT: emulator.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKeySecret,
        ALIBABA_CLOUD_ACCOUNT_ID: emulator.accountId,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    // Ready when the server sees its workflow poller on the task queue.
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`acp worker exited with code ${child.exitCode}`);
      const q = await env.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      if ((q.pollers ?? []).length > 0) break;
      if (Date.now() > deadline) throw new Error('acp worker did not poll within 180 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const w: WorkerProcess = {
      kind: 'cli',
      pid: child.pid!,
      taskQueue,
      facts: {
        maxCachedWorkflows: Number(extraEnv.ACP_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS),
      },
      rssMiB: () => rssMiB(child.pid!),
      async stop() {
        workers.delete(w);
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    };
    workers.add(w);
    return w;
  };

  const stack: BenchStack = {
    env,
    client: env.client,
    address: env.address,
    emulator,
    clients,
    admin,
    async useCatalogue(next) {
      choice = next;
      await admin('/__emulator/reset', { method: 'POST' });
    },
    async setLatency(ms) {
      // vpc.vpcs: the real default of 10 per region BLOCKs the 11th concurrent saga (QuotaExceeded.Vpc,
      // waiting for a retry signal: what "20 sagas at once hang" was). A quota patch is merged key by
      // key, so it must name the key; an empty one changes nothing.
      await admin('/__emulator/faults', {
        method: 'POST',
        body: { latencyMs: ms, quota: { 'vpc.vpcs': 1000 } },
      });
    },
    async clearCalls() {
      await admin('/__emulator/calls', { method: 'DELETE' });
    },
    async settle() {
      const pids = [serverPid(env.address), ...[...workers].map((w) => w.pid)].filter(
        (p): p is number => p !== undefined,
      );
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const before = pids.map(cpuSeconds);
        await new Promise((r) => setTimeout(r, 1_000));
        if (pids.every((p, i) => cpuSeconds(p) - before[i]! < 0.05)) return;
      }
    },
    async calls() {
      const { calls } = (await admin('/__emulator/calls')) as { calls: { action: string }[] };
      const byAction: Record<string, number> = {};
      for (const c of calls) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
      return { total: calls.length, byAction };
    },
    async startWorker(kind, taskQueue, extraEnv = {}) {
      if (kind === 'cli') return startCliWorker(taskQueue, extraEnv);
      // BENCH_WORKER_NODE_ARGS: extra node flags for the worker (e.g. --cpu-prof to profile it).
      const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
      // BENCH_WORKER_SCRIPT: another worker-process to run (.ts through tsx, .js with plain node).
      let script = process.env.BENCH_WORKER_SCRIPT;
      if (!script) {
        workerScript ??= compiledWorkerProcess();
        script = await workerScript;
      }
      const child = spawn(
        process.execPath,
        script.endsWith('.js') ? [...nodeArgs, script] : [...nodeArgs, '--import', 'tsx', script],
        {
          env: {
            ...process.env,
            BENCH_WORKER: kind,
            BENCH_BUNDLE: bundles[kind],
            BENCH_TASK_QUEUE: taskQueue,
            TEMPORAL_ADDRESS: env.address,
            ACP_ALIBABA_ENDPOINT: emulator.endpoint,
            BENCH_ACCESS_KEY_ID: emulator.accessKeyId,
            BENCH_ACCESS_KEY_SECRET: emulator.accessKeySecret,
            ...extraEnv,
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const facts = await readyLine(child);
      const w: WorkerProcess = {
        kind,
        pid: child.pid!,
        taskQueue,
        facts,
        rssMiB: () => rssMiB(child.pid!),
        async stop() {
          workers.delete(w);
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        },
      };
      workers.add(w);
      return w;
    },
    async stop() {
      await Promise.all([...workers].map((w) => w.stop()));
      await Promise.all([env.teardown(), emulator.stop()]);
    },
  };
  return stack;
}

/**
 * bench/worker-process.ts compiled as `npm run build` compiles `acp worker` (scripts/node-bundle.ts),
 * run with plain node: through tsx the worker also had Node's source-map support on, which looks for a
 * source map in every function the workflow sandbox compiles (the SDK compiles one per promise for
 * its stack traces) and cost a saga's workflow thread a few percent that `acp worker` never pays.
 * In dist/ (ignored by git) so its external packages resolve from node_modules.
 */
async function compiledWorkerProcess(): Promise<string> {
  const out = join(__dirname, '..', 'dist', `bench-worker-process.${process.pid}.js`);
  await bundleNodeProgram(join(__dirname, 'worker-process.ts'), out);
  process.once('exit', () => rmSync(out, { force: true }));
  return out;
}

function bundleQuietly(workflowsPath: string): Promise<string> {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  return bundleWorkflowCode({ workflowsPath, logger: quiet }).then((b) => b.code);
}

/** A checkout's bench/workflows.ts (its acp workflows and the bare twin), bundled. */
export function checkoutWorkflowCode(checkout: string): Promise<string> {
  return bundleQuietly(join(checkout, 'bench', 'workflows.ts'));
}

/**
 * Another checkout's workflow code written to a file a bench worker loads with BENCH_BUNDLE; removed
 * when this process exits.
 */
export async function checkoutBundle(checkout: string): Promise<{ path: string; code: string }> {
  const code = await checkoutWorkflowCode(checkout);
  const path = join(tmpdir(), `acp-bench-checkout-${process.pid}-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(path, code);
  process.once('exit', () => rmSync(path, { force: true }));
  return { path, code };
}

function readyLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the bench worker did not start within 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`the bench worker exited with code ${code}`)));
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line);
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg);
        }
      } catch {
        // not ours
      }
    });
  });
}

export function rssMiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return Number.NaN; // the process is gone
  }
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The dev server's process: the one started with `--port <its port>`. */
export function serverPid(address: string): number | undefined {
  const port = address.split(':').pop();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('temporal')) && cmd.includes('start-dev') && cmd.includes(port!))
        return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}

/**
 * The CPU the dev server and one worker spend during the bursts `during` wraps, summed by kind: what a
 * run costs, steadier than runs per second, which also counts waiting.
 */
export function cpuTally<K extends string>(address: string, kinds: readonly K[]) {
  const server = serverPid(address);
  const spent = Object.fromEntries(kinds.map((k) => [k, { server: 0, worker: 0 }])) as Record<
    K,
    { server: number; worker: number }
  >;
  return {
    /** The dev server's process, when it was found (its CPU counts as 0 otherwise). */
    server,
    async during<T>(kind: K, workerPid: number, burst: () => Promise<T>): Promise<T> {
      const [s0, w0] = [server ? cpuSeconds(server) : 0, cpuSeconds(workerPid)];
      const out = await burst();
      spent[kind].server += server ? cpuSeconds(server) - s0 : 0;
      spent[kind].worker += cpuSeconds(workerPid) - w0;
      return out;
    },
    /** Milliseconds per run, `runs` runs of `kind` counted. */
    msPerRun(kind: K, runs: number): { server: number; worker: number } {
      return {
        server: Math.round((spent[kind].server * 1000) / runs),
        worker: Math.round((spent[kind].worker * 1000) / runs),
      };
    },
  };
}
