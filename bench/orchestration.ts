// Figure 3: complete one-shot ECS sagas per second (zero latency, exec 'none'), every run started at
// once, against two yardsticks on the same server:
// - the same run as a bare Temporal workflow (bench/bare-run.ts): the same activities with the same
//   inputs against the same cloud, without acp's run state, memo, search attributes, saga or
//   failover — saga ÷ bare is what acp's orchestration costs (the target);
// - that bare twin with only the visibility writes the saga makes for the Web UI added (the patch
//   marker, the status search attributes and the memo, at the same steps): twin-with-writes ÷ bare is
//   what those writes alone cost, and saga ÷ twin-with-writes what the rest of acp's orchestration does;
// - a raw workflow running as many no-op activities in the same batches (local activities where the
//   saga's look-ups are local) — saga ÷ raw also counts the work the activities do (the SDK calls and
//   the emulator answering them), which no orchestration can remove.
// Each kind first runs one untimed burst (the first burst on a stack pays for its JIT, SQLite pages and
// connection pools: measured first and cold, the saga once came out at 0.44 of a bare run that went
// second, against about 0.9 on a warm stack), then the kinds take turns going first.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { runResult } from '../client/runs';
import type { ProvisionResult } from '../workflows/messages';
import { inPool } from './pool';
import type { Batch } from './raw-workflow';
import { type BenchStack, cpuTally } from './stack';

export interface OrchestrationResult {
  sagas: number;
  /** Workflows in flight at once, for both kinds. */
  concurrency: number;
  /** One saga alone on a fresh worker, start to result (the warm path the cold path is compared with). */
  probeMs: number;
  sagaActivities: number;
  sagaLocalActivities: number;
  sagaChildWorkflows: number;
  sagaTimers: number;
  batches: Batch[];
  /** Timed bursts of `sagas` runs per kind (saga and bare; the raw workflow has one). */
  rounds: number;
  /** Wall time of every timed saga burst, summed (bareWallMs likewise). */
  sagaWallMs: number;
  sagasPerSecond: number;
  bareWallMs: number;
  barePerSecond: number;
  /** The bare twin with the saga's Web UI writes (bench/bare-run.ts `webUiWrites`). */
  writesWallMs: number;
  writesPerSecond: number;
  rawWallMs: number;
  rawPerSecond: number;
  /** sagas/s ÷ bare runs/s (target ≥ 0.9). */
  ratio: number;
  /** Twin with the Web UI writes ÷ bare twin: what those writes alone cost (no target). */
  ratioWrites: number;
  /** sagas/s ÷ twin with the Web UI writes: acp's orchestration beyond those writes. */
  ratioBeyondWrites: number;
  /** sagas/s ÷ raw no-op workflows/s. */
  ratioNoop: number;
  sagaWorkerPeakRssMiB: number;
  /**
   * CPU milliseconds per run, of the dev server and of the kind's own worker process, over the timed
   * rounds: what each run costs, steadier than runs per second, which also counts waiting.
   */
  cpuMsPerRun: Record<'saga' | 'bare' | 'writes', { server: number; worker: number }>;
  rawWorkerPeakRssMiB: number;
}

/**
 * Timed rounds of each kind (after one untimed warm-up burst of each), rotating which goes first.
 * A round of 40 takes 5–10 s and rounds scatter by ±20 % on a shared two-core machine: eight or more
 * keep the figure within a few percent of its mean; nine put each of the three kinds first, second
 * and last three times.
 */
const ROUNDS = 9;

export const SAGA_REQUEST = {
  product: 'ecs' as const,
  cpu: 2,
  memoryGiB: 4,
  script: { content: 'echo bench-saga' },
  skipConfirmation: true,
};

/**
 * One saga of SAGA_REQUEST on `taskQueue`, to its end; any end but SUCCEEDED stops the bench (a
 * figure of failed runs would time something else).
 */
export async function runSaga(
  client: Client,
  taskQueue: string,
  workflowId: string,
): Promise<WorkflowHandle> {
  const handle = await client.workflow.start('provision', { taskQueue, workflowId, args: [SAGA_REQUEST] });
  const result: ProvisionResult = await runResult(handle);
  if (result.status !== 'SUCCEEDED')
    throw new Error(`${workflowId} ended ${result.status}: ${result.message}`);
  return handle;
}

/** The same run as SAGA_REQUEST's, as the bare twin (bench/bare-run.ts), to its end. */
export async function runTwin(
  client: Client,
  taskQueue: string,
  workflowId: string,
  webUiWrites = false,
): Promise<WorkflowHandle> {
  const handle = await client.workflow.start('bareEcsRun', {
    taskQueue,
    workflowId,
    args: [SAGA_REQUEST.script.content, webUiWrites],
  });
  await handle.result();
  return handle;
}

/**
 * The emulator for the figure: no latency, and no per-minute create quota. Alibaba lets an account
 * create 300 VPCs and 300 vSwitches a minute in a region (emulator/flow-control.ts) and every run here
 * creates one of each in the same region, so at five or six runs a second the bursts cross it within
 * the minute, and whichever burst meets the full window waits for the minute's end in retries: one
 * A/B window saw 52 throttled creates, all in acp's bursts, none in the bare twin's. The figure would
 * time the quota's window instead of the orchestration; both kinds run without it.
 */
export async function orchestrationEmulator(stack: BenchStack): Promise<void> {
  await stack.useCatalogue({ kind: 'ample' });
  await stack.setLatency(0);
  await stack.admin('/__emulator/faults', {
    method: 'POST',
    body: { flowControl: { 'vpc:CreateVpc': null, 'vpc:CreateVSwitch': null } },
  });
}

/**
 * Activities per workflow task, for the saga and its child workflows: activities one workflow task
 * scheduled (or local activities it recorded) together run concurrently, so the raw workflow runs
 * them as one batch of the same kind.
 */
async function activityBatches(
  client: Client,
  workflowId: string,
): Promise<{ batches: Batch[]; children: number; timers: number }> {
  const ids = [workflowId];
  const batches: Batch[] = [];
  let children = 0;
  let timers = 0;
  while (ids.length > 0) {
    const id = ids.shift()!;
    const history = await client.workflow.getHandle(id).fetchHistory();
    const perTask = new Map<string, Batch>();
    const add = (task: unknown, kind: Batch['kind']) => {
      const key = `${kind}/${String(task)}`;
      const b = perTask.get(key) ?? { kind, count: 0 };
      b.count += 1;
      perTask.set(key, b);
    };
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) add(scheduled.workflowTaskCompletedEventId, 'activity');
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity') add(marker.workflowTaskCompletedEventId, 'local');
      if (e.timerStartedEventAttributes) timers += 1;
      const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
      if (child?.workflowId) {
        children += 1;
        ids.push(child.workflowId);
      }
    }
    // Children run during the parent's quote step, so their batches come first.
    batches.unshift(...perTask.values());
  }
  return { batches, children, timers };
}

/** What a run's look-up local activity answered, without the times the prices were read. */
async function lookUpAnswer(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    const result =
      marker?.markerName === 'core_local_activity' ? marker.details?.result?.payloads?.[0] : undefined;
    if (result)
      return JSON.stringify(defaultPayloadConverter.fromPayload(result), (k, v) =>
        k === 'pricedAt' ? undefined : v,
      );
  }
  throw new Error(`${workflowId} recorded no look-up`);
}

async function peakRss(sample: () => number, during: Promise<unknown>): Promise<number> {
  let peak = sample();
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 250);
  try {
    await during;
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, sample());
}

/**
 * Bursts of several kinds of run, timed fairly: the first burst of any kind meets a server, an
 * emulator and workers that have not yet run that many workflows at once (JIT, SQLite, connection
 * pools), so one untimed burst of each warms them; then `rounds` timed rounds rotate which kind goes
 * first, so none is measured on a colder or busier stack than the others. `burst` runs one burst and
 * answers its wall milliseconds; `cpu` counts the dev server's and the kind's worker's CPU in the timed
 * ones. Answers the timed wall milliseconds summed by kind.
 */
export async function rotatingRounds<K extends string>(o: {
  kinds: readonly K[];
  rounds: number;
  cpu: ReturnType<typeof cpuTally<K>>;
  /** The process id of the kind's worker. */
  worker: (kind: K) => number;
  burst: (kind: K) => Promise<number>;
  /** Watches a timed burst while it runs (the saga worker's peak RSS). */
  watch?: (kind: K, run: Promise<number>) => Promise<void>;
  /** After each timed round, its wall milliseconds by kind. */
  onRound?: (round: number, ms: Record<K, number>) => void;
}): Promise<Record<K, number>> {
  const { kinds, cpu } = o;
  for (const k of kinds) await o.burst(k);
  const wallMs = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<K, number>;
  for (let r = 0; r < o.rounds; r++) {
    const round = {} as Record<K, number>;
    const first = r % kinds.length;
    for (const k of [...kinds.slice(first), ...kinds.slice(0, first)]) {
      const run = cpu.during(k, o.worker(k), () => o.burst(k));
      await o.watch?.(k, run);
      round[k] = await run;
      wallMs[k] += round[k];
    }
    o.onRound?.(r + 1, round);
  }
  return wallMs;
}

/** `concurrency` sagas in flight (the bench starts them all at once: concurrency = sagas). */
export async function orchestration(
  stack: BenchStack,
  sagas: number,
  concurrency: number,
): Promise<OrchestrationResult> {
  await orchestrationEmulator(stack);
  const tag = `${process.pid}-${Date.now()}`;
  const acp = await stack.startWorker('acp', `bench-saga-${tag}`);

  // One saga first, untimed: it warms the worker and gives the shape the raw workflow copies.
  const probeId = `bench-saga-probe-${tag}`;
  const tProbe = performance.now();
  await runSaga(stack.client, acp.taskQueue, probeId);
  const probeMs = performance.now() - tProbe;
  const shape = await activityBatches(stack.client, probeId);

  // The bare twin and the twin with the Web UI writes, each on an acp worker of its own, warmed the
  // same way.
  const bare = await stack.startWorker('acp', `bench-bare-${tag}`);
  const writes = await stack.startWorker('acp', `bench-writes-${tag}`);
  for (const [w, webUiWrites] of [
    [bare, false],
    [writes, true],
  ] as const)
    await runTwin(
      stack.client,
      w.taskQueue,
      `bench-${webUiWrites ? 'writes' : 'bare'}-probe-${tag}`,
      webUiWrites,
    );

  let round = 0;
  const runSagas = async () => {
    round += 1;
    const t = performance.now();
    await inPool(sagas, concurrency, (i) =>
      runSaga(stack.client, acp.taskQueue, `bench-saga-${tag}-${round}-${i}`),
    );
    return performance.now() - t;
  };
  const twin = (worker: typeof bare, webUiWrites: boolean) => async () => {
    round += 1;
    const t = performance.now();
    await inPool(sagas, concurrency, (i) =>
      runTwin(
        stack.client,
        worker.taskQueue,
        `bench-${webUiWrites ? 'writes' : 'bare'}-${tag}-${round}-${i}`,
        webUiWrites,
      ),
    );
    return performance.now() - t;
  };
  // The yardstick asks the same look-up as the saga (same regions, offers and spot rows): otherwise
  // the figure would also time a comparison the saga does and the twin does not.
  const [asked, twinAsked] = await Promise.all([
    lookUpAnswer(stack.client, probeId),
    lookUpAnswer(stack.client, `bench-bare-probe-${tag}`),
  ]);
  if (asked !== twinAsked)
    throw new Error(
      `the bare twin's look-up answer (${twinAsked.length} characters) is not the saga's (${asked.length}): keep bench/bare-run.ts asking what workflows/products/ecs.ts asks`,
    );
  const bursts = { saga: runSagas, bare: twin(bare, false), writes: twin(writes, true) };
  const pids = { saga: acp.pid, bare: bare.pid, writes: writes.pid };
  const kinds = ['saga', 'bare', 'writes'] as const;
  let sagaPeak = 0;
  const cpu = cpuTally(stack.address, kinds);
  const {
    saga: sagaWallMs,
    bare: bareWallMs,
    writes: writesWallMs,
  } = await rotatingRounds({
    kinds,
    rounds: ROUNDS,
    cpu,
    worker: (k) => pids[k],
    burst: (k) => bursts[k](),
    watch: async (k, run) => {
      if (k === 'saga') sagaPeak = Math.max(sagaPeak, await peakRss(() => acp.rssMiB(), run));
    },
  });
  await acp.stop();
  await bare.stop();
  await writes.stop();

  const raw = await stack.startWorker('raw', `bench-raw-${tag}`);
  await stack.client.workflow.execute('rawWorkflow', {
    taskQueue: raw.taskQueue,
    workflowId: `bench-raw-probe-${tag}`,
    args: [shape.batches],
  });
  const runRaw = async () => {
    round += 1;
    const t = performance.now();
    await inPool(sagas, concurrency, (i) =>
      stack.client.workflow.execute('rawWorkflow', {
        taskQueue: raw.taskQueue,
        workflowId: `bench-raw-${tag}-${round}-${i}`,
        args: [shape.batches],
      }),
    );
    return performance.now() - t;
  };
  await runRaw(); // warm-up burst, untimed, like the other two
  const rawRun = runRaw();
  const rawPeak = await peakRss(() => raw.rssMiB(), rawRun);
  const rawWallMs = await rawRun;
  await raw.stop();

  const sagasPerSecond = (ROUNDS * sagas) / (sagaWallMs / 1000);
  const barePerSecond = (ROUNDS * sagas) / (bareWallMs / 1000);
  const writesPerSecond = (ROUNDS * sagas) / (writesWallMs / 1000);
  const rawPerSecond = sagas / (rawWallMs / 1000);
  return {
    sagas,
    concurrency,
    probeMs,
    sagaActivities: shape.batches.filter((b) => b.kind === 'activity').reduce((a, b) => a + b.count, 0),
    sagaLocalActivities: shape.batches.filter((b) => b.kind === 'local').reduce((a, b) => a + b.count, 0),
    sagaChildWorkflows: shape.children,
    sagaTimers: shape.timers,
    batches: shape.batches,
    rounds: ROUNDS,
    sagaWallMs,
    sagasPerSecond,
    bareWallMs,
    barePerSecond,
    writesWallMs,
    writesPerSecond,
    rawWallMs,
    rawPerSecond,
    ratio: sagasPerSecond / barePerSecond,
    ratioWrites: writesPerSecond / barePerSecond,
    ratioBeyondWrites: sagasPerSecond / writesPerSecond,
    ratioNoop: sagasPerSecond / rawPerSecond,
    sagaWorkerPeakRssMiB: sagaPeak,
    cpuMsPerRun: {
      saga: cpu.msPerRun('saga', ROUNDS * sagas),
      bare: cpu.msPerRun('bare', ROUNDS * sagas),
      writes: cpu.msPerRun('writes', ROUNDS * sagas),
    },
    rawWorkerPeakRssMiB: rawPeak,
  };
}
