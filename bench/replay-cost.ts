// The workflow code's own cost, without the noise of a loaded server: one saga and one bare twin
// (bench/bare-run.ts) are run once against the emulator, then each history is replayed BENCH_REPLAYS
// times (default 200) by a replay worker in this process, reading this process's CPU time. Replay
// runs the same workflow code, activation by activation, as the worker did; only the dev server, the
// activities and the network are left out — what the orchestration figure's worker spends on top of
// the bare twin's, to a percent or two where the 40-run bursts scatter by ±20 % (docs/quotes.md).
//
// BENCH_AGAINST=<another checkout of acp>: its bench/workflows.ts runs a saga of its own too, and
// replays that history the same way (a change to the workflow code measured before and after).
//
//   node --import tsx bench/replay-cost.ts
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { orchestrationEmulator, runSaga, runTwin } from './orchestration';
import { checkoutBundle, checkoutWorkflowCode, startBenchStack } from './stack';

type History = temporal.api.history.v1.IHistory;

/** One saga and one bare run on this checkout's workflow code; one saga on `otherBundle`'s too. */
async function recordHistories(
  otherBundle?: string,
): Promise<{ saga: History; bare: History; other?: History }> {
  const stack = await startBenchStack();
  try {
    await orchestrationEmulator(stack);
    const saga = async (env: Record<string, string>, name: string) => {
      const worker = await stack.startWorker('acp', `bench-replay-${name}-${process.pid}`, env);
      const handle = await runSaga(stack.client, worker.taskQueue, `bench-replay-${name}-${process.pid}`);
      await worker.stop();
      return handle.fetchHistory();
    };
    const worker = await stack.startWorker('acp', `bench-replay-bare-${process.pid}`);
    const bare = await runTwin(stack.client, worker.taskQueue, `bench-replay-bare-${process.pid}`);
    await worker.stop();
    return {
      saga: await saga({}, 'saga'),
      bare: await bare.fetchHistory(),
      ...(otherBundle ? { other: await saga({ BENCH_BUNDLE: otherBundle }, 'other') } : {}),
    };
  } finally {
    await stack.stop();
  }
}

/** CPU milliseconds of this process (every thread) per replay of `history`, `times` replays. */
async function replayCost(bundle: WorkflowBundleOption, history: History, times: number): Promise<number> {
  const histories = function* () {
    for (let i = 0; i < times; i++) yield { workflowId: `replay-${i}`, history };
  };
  // One warm-up pass compiles the sandbox and JITs the code; then the timed pass.
  for (const pass of ['warm', 'timed'] as const) {
    const before = process.cpuUsage();
    let n = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories())) {
      if (r.error) throw new Error(`${r.workflowId}: ${r.error.message}`);
      n += 1;
    }
    if (n !== times) throw new Error(`replayed ${n} of ${times}`);
    const used = process.cpuUsage(before);
    if (pass === 'timed') return (used.user + used.system) / 1000 / times;
  }
  throw new Error('unreachable');
}

async function main(): Promise<void> {
  const times = Number(process.env.BENCH_REPLAYS ?? 200);
  const thisBundle = { code: await checkoutWorkflowCode(join(__dirname, '..')) };
  const other = process.env.BENCH_AGAINST ? await checkoutBundle(process.env.BENCH_AGAINST) : undefined;
  const otherBundle = other ? { code: other.code } : undefined;
  const histories = await recordHistories(other?.path);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // tsx turned Node's source-map support on for this process; the replays run the workflow sandbox
  // here, where it would look for a source map at every function the sandbox compiles (one per
  // promise), which acp's worker, running compiled, never does (docs/quotes.md).
  process.setSourceMapsEnabled(false);
  // Rounds alternate the order so neither is timed on a warmer or busier process than the other.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const ms: Record<string, number[]> = { saga: [], bare: [], ...(otherBundle ? { other: [] } : {}) };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['saga', 'bare', 'other'] : ['other', 'bare', 'saga'];
    for (const kind of order) {
      if (kind === 'other' && !otherBundle) continue;
      const bundle = kind === 'other' ? otherBundle! : thisBundle;
      const history = kind === 'bare' ? histories.bare : kind === 'other' ? histories.other! : histories.saga;
      ms[kind]!.push(await replayCost(bundle, history, times));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out: Record<string, unknown> = {
    replays: times,
    rounds,
    events: {
      saga: histories.saga.events?.length,
      bare: histories.bare.events?.length,
      ...(histories.other ? { other: histories.other.events?.length } : {}),
    },
    cpuMsPerReplay: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, +median(v).toFixed(2)])),
    rangeMs: Object.fromEntries(
      Object.entries(ms).map(([k, v]) => [k, [+Math.min(...v).toFixed(1), +Math.max(...v).toFixed(1)]]),
    ),
    sagaOverBare: +(median(ms.saga!) / median(ms.bare!)).toFixed(3),
  };
  if (otherBundle) out.otherOverBare = +(median(ms.other!) / median(ms.bare!)).toFixed(3);
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
