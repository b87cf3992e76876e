// Figure 3: complete one-shot ECS sagas per second (zero latency, exec 'none'), every run started at
// once, against two yardsticks on the same server:
// - the same run as a bare Temporal workflow (bench/bare-run.ts): the same activities with the same
//   inputs against the same cloud, without acp's run state, memo, search attributes, saga or
//   failover — saga ÷ bare is what acp's orchestration costs (the target);
// - a raw workflow running as many no-op activities in the same batches (local activities where the
//   saga's look-ups are local) — saga ÷ raw also counts the work the activities do (the SDK calls and
//   the emulator answering them), which no orchestration can remove.
// Each kind first runs one untimed burst (the first burst on a stack pays for its JIT, SQLite pages and
// connection pools: measured first and cold, the saga once came out at 0.44 of a bare run that went
// second, against about 0.9 on a warm stack), then saga and bare alternate which goes first.
import type { Client } from '@temporalio/client';
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
  rawWallMs: number;
  rawPerSecond: number;
  /** sagas/s ÷ bare runs/s (target ≥ 0.9). */
  ratio: number;
  /** sagas/s ÷ raw no-op workflows/s. */
  ratioNoop: number;
  sagaWorkerPeakRssMiB: number;
  /**
   * CPU milliseconds per run, of the dev server and of the kind's own worker process, over the timed
   * rounds: what each run costs, steadier than runs per second, which also counts waiting.
   */
  cpuMsPerRun: { saga: { server: number; worker: number }; bare: { server: number; worker: number } };
  rawWorkerPeakRssMiB: number;
}

/**
 * Timed rounds of each kind (after one untimed warm-up burst of each), alternating which goes first.
 * A round of 40 takes 5–10 s and rounds scatter by ±20 % on a shared two-core machine: eight keep
 * the figure within a few percent of its mean.
 */
const ROUNDS = 8;

export const SAGA_REQUEST = {
  product: 'ecs' as const,
  cpu: 2,
  memoryGiB: 4,
  script: { content: 'echo bench-saga' },
  skipConfirmation: true,
};

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
  const probe: ProvisionResult = await runResult(
    await stack.client.workflow.start('provision', {
      taskQueue: acp.taskQueue,
      workflowId: probeId,
      args: [SAGA_REQUEST],
    }),
  );
  if (probe.status !== 'SUCCEEDED') throw new Error(`the probe saga ended ${probe.status}: ${probe.message}`);
  const probeMs = performance.now() - tProbe;
  const shape = await activityBatches(stack.client, probeId);

  // The bare twin, on an acp worker of its own, warmed the same way.
  const bare = await stack.startWorker('acp', `bench-bare-${tag}`);
  const script = SAGA_REQUEST.script.content;
  await stack.client.workflow.execute('bareEcsRun', {
    taskQueue: bare.taskQueue,
    workflowId: `bench-bare-probe-${tag}`,
    args: [script],
  });

  let round = 0;
  const runSagas = async () => {
    round += 1;
    const t = performance.now();
    const { results } = await inPool(sagas, concurrency, async (i) =>
      runResult(
        await stack.client.workflow.start('provision', {
          taskQueue: acp.taskQueue,
          workflowId: `bench-saga-${tag}-${round}-${i}`,
          args: [SAGA_REQUEST],
        }),
      ),
    );
    const failed = results.filter((r) => r.status !== 'SUCCEEDED');
    if (failed.length > 0) throw new Error(`${failed.length} sagas did not succeed: ${failed[0]!.message}`);
    return performance.now() - t;
  };
  const runBare = async () => {
    round += 1;
    const t = performance.now();
    await inPool(sagas, concurrency, (i) =>
      stack.client.workflow.execute('bareEcsRun', {
        taskQueue: bare.taskQueue,
        workflowId: `bench-bare-${tag}-${round}-${i}`,
        args: [script],
      }),
    );
    return performance.now() - t;
  };
  // The first burst of either kind meets a server, an emulator and workers that have not yet run
  // `concurrency` workflows at once (JIT, SQLite, connection pools): one untimed burst of each warms
  // them, then timed rounds alternate which kind goes first, so neither is measured on a colder or
  // busier stack than the other.
  await runSagas();
  await runBare();
  let sagaWallMs = 0;
  let bareWallMs = 0;
  let sagaPeak = 0;
  const cpu = cpuTally(stack.address, ['saga', 'bare']);
  for (let r = 0; r < ROUNDS; r++) {
    const timeSagas = async () => {
      const run = cpu.during('saga', acp.pid, runSagas);
      sagaPeak = Math.max(sagaPeak, await peakRss(() => acp.rssMiB(), run));
      sagaWallMs += await run;
    };
    const timeBare = async () => {
      bareWallMs += await cpu.during('bare', bare.pid, runBare);
    };
    if (r % 2 === 0) {
      await timeSagas();
      await timeBare();
    } else {
      await timeBare();
      await timeSagas();
    }
  }
  await acp.stop();
  await bare.stop();

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
    rawWallMs,
    rawPerSecond,
    ratio: sagasPerSecond / barePerSecond,
    ratioNoop: sagasPerSecond / rawPerSecond,
    sagaWorkerPeakRssMiB: sagaPeak,
    cpuMsPerRun: { saga: cpu.msPerRun('saga', ROUNDS * sagas), bare: cpu.msPerRun('bare', ROUNDS * sagas) },
    rawWorkerPeakRssMiB: rawPeak,
  };
}
