// acp on a production-shaped Temporal cluster, the one scripts/temporal-cluster.sh stands up
// (PostgreSQL for persistence and visibility; frontend, history, matching and worker as four
// processes; the Web UI), with two `acp worker` processes on two test hosts (network namespaces)
// that reach the cluster and the emulator only over the network. ECS and FC runs survive a SIGKILL of
// the worker holding them and, separately, of the history service; every run completes, with no
// leak and no duplicate; acp's search attributes filter the runs in PostgreSQL-backed visibility. The
// cluster runs with mutual TLS, so the workers and this test connect with the TEMPORAL_TLS_* variables.
//
// Needs root (network namespaces), PostgreSQL and the binaries `scripts/temporal-cluster.sh build`
// makes. .ci/run provides all three and sets ACP_CLUSTER_REQUIRED=1, so there a missing one fails
// the run; elsewhere the test is skipped (reported as skipped, never as passed) and says what is
// missing. docs/operators.md describes the cluster.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { accountRuns, type CallRow, PRODUCT_REGION, type ResourceRow } from '../../bench/run-accounting';
import { temporalConnectionOptions } from '../../client/temporal-server';
import { type RunningEmulator, startEmulator } from '../../emulator';
import type { Product, ProvisionRequest } from '../../planner/types';
import { type ProvisionResult, statusQuery } from '../../workflows/messages';
import { provision } from '../../workflows/provision';
import { runResult } from '../support/run-result';
import { uniqueTaskQueue } from '../support/temporal';
import {
  clusterLogs,
  clusterUnavailable,
  pickClusterPort,
  startCluster,
  type TestCluster,
} from '../support/temporal-cluster';
import {
  createTestNetwork,
  type TestHost,
  type TestNetwork,
  testHostsUnavailable,
} from '../support/test-hosts';
import { waitFor } from '../support/waiting';

const ROOT = join(__dirname, '..', '..');
const unavailable = testHostsUnavailable() ?? clusterUnavailable();
const required = process.env.ACP_CLUSTER_REQUIRED === '1';
/** Each test reports itself skipped, with the reason, where the cluster cannot run and CI does not require it. */
const skip = unavailable && !required ? unavailable : false;
if (unavailable && !required) {
  console.error(
    `\n*** SKIPPED: acp on a Temporal cluster (test/reliability/temporal-cluster.test.ts): ${unavailable}. ` +
      '.ci/run runs it; see docs/operators.md ***\n',
  );
}

const { PENDING_ACTIVITY_STATE_STARTED } = temporal.api.enums.v1.PendingActivityState;
const { EVENT_TYPE_WORKFLOW_TASK_STARTED } = temporal.api.enums.v1.EventType;

/** `acp worker` on a test host: the real command, with the default credentials chain (the emulator's keys). */
class AcpWorker {
  child?: ChildProcess;
  readonly tail: string[] = [];
  constructor(
    readonly host: TestHost,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The SDK's default worker identity, `pid@hostname`, which the server records on every task. */
  get identity(): string {
    return `${this.child?.pid}@${hostname()}`;
  }

  /** Starts it and resolves once it polls the task queue (it prints "acp worker on …" then). */
  start(): Promise<void> {
    const child = this.host.spawn(process.execPath, [join(ROOT, 'bin', 'acp.js'), 'worker'], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      const onData = (d: Buffer) => {
        const text = d.toString();
        this.tail.push(...text.split('\n').filter(Boolean));
        this.tail.splice(0, Math.max(0, this.tail.length - 100));
        if (text.includes('acp worker on')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(
          new Error(`acp worker on ${this.host.name} exited (${code ?? signal}): ${this.tail.join('\n')}`),
        ),
      );
    });
  }

  stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

interface Run {
  handle: WorkflowHandle<typeof provision>;
  product: Product;
  result?: ProvisionResult;
}

describe('acp on a Temporal cluster (PostgreSQL, four server processes), workers on two hosts', () => {
  let net: TestNetwork | undefined;
  let cluster: TestCluster | undefined;
  let emulator: RunningEmulator | undefined;
  let connection: Connection | undefined;
  let client: Client;
  let taskQueue: string;
  const workers: AcpWorker[] = [];
  const runs: Run[] = [];
  const timings: Record<string, number> = {};

  before(async () => {
    if (skip) return;
    if (unavailable) throw new Error(`the cluster test cannot run here: ${unavailable}`);
    net = createTestNetwork(2);
    const port = pickClusterPort();
    let t = Date.now();
    cluster = await startCluster({ ip: net.gateway, port, uiPort: port + 3000, tls: true });
    timings.clusterUpS = (Date.now() - t) / 1000;
    emulator = await startEmulator({
      host: net.gateway,
      port: 0,
      exec: 'local',
      speed: 600,
    });
    // Every ECS run makes its own VPC; the real default quota of 10 per region is not what this tests.
    await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ quota: { 'vpc.vpcs': 1000 } }),
    });
    assert.equal(cluster.clientEnv.TEMPORAL_ADDRESS, cluster.address);
    connection = await Connection.connect(temporalConnectionOptions(cluster.address, cluster.clientEnv));
    client = new Client({ connection, namespace: 'default' });
    taskQueue = uniqueTaskQueue('cluster');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: 'default',
      ACP_TASK_QUEUE: taskQueue,
      ACP_ALIBABA_ENDPOINT: emulator.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKeySecret,
      ALIBABA_CLOUD_ACCOUNT_ID: emulator.accountId,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
      // The client certificate and CA, as an operator exports them from `up`'s output.
      ...cluster.clientEnv,
    };
    for (const host of net.hosts) workers.push(new AcpWorker(host, env));
    t = Date.now();
    await Promise.all(workers.map((w) => w.start()));
    timings.workersUpS = (Date.now() - t) / 1000;
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await connection?.close().catch(() => undefined);
    await emulator?.stop();
    if (cluster) {
      // `down` stops by PID; nothing of the cluster may outlive it.
      const pids = (['frontend', 'history', 'matching', 'worker', 'ui'] as const).flatMap((s) => {
        try {
          return [cluster!.pid(s)];
        } catch {
          return [];
        }
      });
      const down = pids.filter((pid) => !isAlive(pid));
      if (down.length > 0)
        console.error(`cluster processes ${down.join(', ')} died:\n${clusterLogs(cluster.dir)}`);
      await cluster.destroy();
      const alive = pids.filter(isAlive);
      assert.deepEqual(alive, [], '`temporal-cluster.sh down` left cluster processes running');
    }
    net?.remove();
    console.log(`cluster: ${JSON.stringify(timings)}`);
  });

  /** The workers' identities the server saw poll the task queue within the last minute. */
  async function pollers(): Promise<string[]> {
    const r = await connection!.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const recent = Date.now() - 60_000;
    return (r.pollers ?? [])
      .filter((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= recent)
      .map((p) => p.identity ?? '')
      .sort();
  }

  function request(product: Product, i: number): ProvisionRequest {
    // A script that runs for seconds, so a kill lands while the run is in flight.
    return {
      product,
      region: PRODUCT_REGION[product],
      skipConfirmation: true,
      script: { content: `sleep 4; echo cluster-${product}-${i}` },
    };
  }

  async function startRuns(phase: string): Promise<Run[]> {
    const products: Product[] = ['ecs', 'fc', 'ecs', 'fc'];
    const batch = await Promise.all(
      products.map(async (product, i) => ({
        product,
        handle: await client.workflow.start(provision, {
          taskQueue,
          workflowId: `acp-cluster-${phase}-${product}-${i}-${process.pid}`,
          args: [request(product, i)],
        }),
      })),
    );
    runs.push(...batch);
    return batch;
  }

  async function finish(batch: Run[]): Promise<void> {
    await Promise.all(
      batch.map(async (run) => {
        run.result = await runResult(run.handle);
      }),
    );
    for (const run of batch) {
      assert.equal(run.result?.status, 'SUCCEEDED', `${run.handle.workflowId}: ${run.result?.message}`);
      assert.match(run.result?.execution?.outputTail ?? '', new RegExp(`cluster-${run.product}-`));
      assert.deepEqual(run.result?.leftBehind, [], `${run.handle.workflowId} left resources behind`);
    }
  }

  /** Leaks and duplicates over every run so far, from the emulator's own records. */
  async function account(): Promise<Record<string, { leaks: number; duplicates: number; creates: number }>> {
    const get = async (path: string) => (await fetch(`${emulator!.url}${path}`)).json() as Promise<any>;
    const ever: ResourceRow[] = (await get('/__emulator/resources?all=1')).resources;
    const live: ResourceRow[] = (await get('/__emulator/resources')).resources;
    const { calls } = (await get('/__emulator/calls')) as { calls: CallRow[] };
    const out: Record<string, { leaks: number; duplicates: number; creates: number }> = {};
    for (const product of ['ecs', 'fc'] as const) {
      const mine = runs
        .filter((r) => r.product === product)
        .map((r) => ({ workflowId: r.handle.workflowId, finished: r.result !== undefined }));
      out[product] = accountRuns(product, mine, ever, live, calls);
    }
    return out;
  }

  function assertClean(figures: Awaited<ReturnType<typeof account>>): void {
    for (const [product, f] of Object.entries(figures)) {
      assert.equal(f.leaks, 0, `${product}: live resources of finished runs`);
      assert.equal(f.duplicates, 0, `${product}: a run owned two resources of one step`);
      assert.ok(f.creates > 0, `${product}: the runs created their resources`);
    }
  }

  test('the cluster speaks mutual TLS only: no connection without a client certificate', {
    skip,
  }, async () => {
    const refused = async (env: Record<string, string>) => {
      const options = temporalConnectionOptions(cluster!.address, env);
      await assert.rejects(Connection.connect({ ...options, connectTimeout: 3_000 }));
    };
    await refused({});
    const { TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME } = cluster!.clientEnv;
    await refused({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: TEMPORAL_TLS_SERVER_CA_CERT_PATH!,
      TEMPORAL_TLS_SERVER_NAME: TEMPORAL_TLS_SERVER_NAME!,
    });
    // With the certificate `up` printed, the same call goes through (the workers below use it too).
    const ok = await Connection.connect(temporalConnectionOptions(cluster!.address, cluster!.clientEnv));
    assert.ok((await ok.workflowService.getSystemInfo({})).serverVersion);
    await ok.close();
  });

  test('two acp workers on two hosts poll the cluster over the network; neither reaches it on its own loopback', {
    skip,
  }, async () => {
    assert.notEqual(workers[0]!.host.ip, workers[1]!.host.ip);
    const expected = workers.map((w) => w.identity).sort();
    assert.deepEqual(
      await waitFor(async () => {
        const seen = await pollers();
        return expected.every((id) => seen.includes(id))
          ? seen.filter((id) => expected.includes(id))
          : undefined;
      }, 60_000),
      expected,
    );
    // From inside a test host, the cluster's port on 127.0.0.1 is that host's own loopback: nothing.
    const port = cluster!.address.split(':')[1];
    const probe = (host: string) =>
      execFileSync(
        'ip',
        [
          'netns',
          'exec',
          workers[0]!.host.name,
          process.execPath,
          '-e',
          `require('net').connect(${port}, '${host}').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`,
        ],
        { encoding: 'utf8' },
      ).trim();
    assert.equal(probe('127.0.0.1'), 'ECONNREFUSED');
    assert.equal(probe(cluster!.address.split(':')[0]!), 'connected');
  });

  test('SIGKILL of the worker holding a run mid-run: ECS and FC runs all complete on the other, no leak, no duplicate', {
    skip,
  }, async () => {
    const batch = await startRuns('worker-kill');
    const target = batch[0]!.handle;
    // Mid-run: an activity of the run is executing. The worker holding the run is the one that took
    // its last workflow task (the run is in that worker's cache).
    const holder = await waitFor(async () => {
      const d = await target.describe();
      const busy = (d.raw.pendingActivities ?? []).some((a) => a.state === PENDING_ACTIVITY_STATE_STARTED);
      if (!busy) return undefined;
      return lastWorkflowTaskWorker(target);
    }, 120_000);
    const victim = workers.find((w) => w.identity === holder);
    assert.ok(victim, `the run is held by ${holder}, which is none of our workers`);
    const survivor = workers.find((w) => w !== victim)!;
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    const t = Date.now();
    await finish(batch);
    timings.afterWorkerKillS = (Date.now() - t) / 1000;
    // The survivor replayed the run and finished it.
    const after = await workflowTaskWorkers(target, killedAt);
    assert.ok(after.length > 0, 'no workflow task ran after the kill');
    assert.deepEqual([...new Set(after)], [survivor.identity]);
    assertClean(await account());
    // Back to two workers for what follows.
    await victim.start();
  });

  test('SIGKILL of the history service mid-run, restarted by `temporal-cluster.sh up`: every run completes, no leak, no duplicate', {
    skip,
  }, async () => {
    const batch = await startRuns('history-kill');
    // Mid-run: every run has created something, and none has finished.
    await waitFor(async () => {
      for (const run of batch) {
        const s: ProvisionResult = await run.handle.query(statusQuery);
        if (s.resourcesCreated.length === 0) return undefined;
      }
      return true;
    }, 120_000);
    for (const run of batch) assert.equal((await run.handle.describe()).status.name, 'RUNNING');
    const others = (['frontend', 'matching', 'worker'] as const).map((s) => cluster!.pid(s));
    const history = cluster!.pid('history');
    process.kill(history, 'SIGKILL');
    await waitFor(async () => (isAlive(history) ? undefined : true));
    const t = Date.now();
    const said = await cluster!.up();
    timings.historyRestartS = (Date.now() - t) / 1000;
    assert.match(said, /started: history\)/, 'only the history service was restarted');
    assert.notEqual(cluster!.pid('history'), history);
    assert.deepEqual(
      (['frontend', 'matching', 'worker'] as const).map((s) => cluster!.pid(s)),
      others,
      'the other services kept running',
    );
    await finish(batch);
    timings.afterHistoryKillS = (Date.now() - t) / 1000;
    assertClean(await account());
  });

  test("acp's search attributes filter the runs in PostgreSQL-backed visibility, also in the Web UI", {
    skip,
  }, async () => {
    assert.ok(runs.length > 0 && runs.every((r) => r.result), 'the runs above finished');
    const info = await connection!.workflowService.getClusterInfo({});
    assert.equal(info.visibilityStore, 'postgres12');
    assert.equal(info.persistenceStore, 'postgres12');
    const idsOf = (product: Product) =>
      runs
        .filter((r) => r.product === product)
        .map((r) => r.handle.workflowId)
        .sort();
    const list = async (query: string) => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
      return ids.sort();
    };
    const fcQuery = `TaskQueue = "${taskQueue}" AND AcpProduct = "fc" AND AcpStatus = "SUCCEEDED"`;
    // Visibility is written after the run closes; give it a moment.
    await waitFor(async () => ((await list(fcQuery)).length === idsOf('fc').length ? true : undefined));
    assert.deepEqual(await list(fcQuery), idsOf('fc'));
    assert.deepEqual(
      await list(`TaskQueue = "${taskQueue}" AND AcpProduct = "ecs" AND AcpEstimatedCost > 0`),
      idsOf('ecs'),
    );
    assert.deepEqual(await list(`TaskQueue = "${taskQueue}" AND AcpStatus = "FAILED"`), []);
    // The rows are PostgreSQL's.
    const rows = execFileSync(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(cluster!.pgPort),
        '-U',
        'temporal',
        '-d',
        'temporal_visibility',
        '-tAc',
        `SELECT count(*) FROM executions_visibility WHERE task_queue = '${taskQueue}' AND workflow_type_name = 'provision'`,
      ],
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: 'temporal' } },
    ).trim();
    assert.equal(Number(rows), runs.length);
    // The Web UI server lists the same runs for the same query.
    const ui = await fetch(
      `${cluster!.uiUrl}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(fcQuery)}`,
    );
    assert.equal(ui.status, 200);
    const body = (await ui.json()) as { executions?: { execution?: { workflowId?: string } }[] };
    assert.deepEqual((body.executions ?? []).map((e) => e.execution?.workflowId).sort(), idsOf('fc'));
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function history(handle: WorkflowHandle) {
  return (await handle.fetchHistory()).events ?? [];
}

function eventMs(e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }): number {
  return Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
}

async function lastWorkflowTaskWorker(handle: WorkflowHandle): Promise<string | undefined> {
  const started = (await history(handle)).filter((e) => e.eventType === EVENT_TYPE_WORKFLOW_TASK_STARTED);
  return started.at(-1)?.workflowTaskStartedEventAttributes?.identity ?? undefined;
}

/** Identities of the workers that started a workflow task of the run after `sinceMs`. */
async function workflowTaskWorkers(handle: WorkflowHandle, sinceMs: number): Promise<string[]> {
  return (await history(handle))
    .filter((e) => e.eventType === EVENT_TYPE_WORKFLOW_TASK_STARTED && eventMs(e) > sinceMs)
    .map((e) => e.workflowTaskStartedEventAttributes?.identity ?? '');
}
