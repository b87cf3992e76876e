// The orchestration figure of `npm run bench` alone, on a stack of its own: one saga's history first
// (which events it writes, and the visibility ones by status), then the figure BENCH_RUNS times
// (default 1) with BENCH_SAGAS runs at once (default 40). Prints one JSON line per figure.
//
// BENCH_AGAINST=<another checkout of acp>: instead of the figure, that checkout's workflow code (its
// bench/workflows.ts bundled, served by this checkout's worker and activities) against this one's and
// the bare workflow, BENCH_ROUNDS rounds (default 6) of one burst each, the order rotating every
// round — a change to the workflows measured before and after in one window.
//
//   node --import tsx bench/orchestration-alone.ts
import { orchestration, orchestrationEmulator, rotatingRounds, runSaga, runTwin } from './orchestration';
import { inPool } from './pool';
import { type BenchStack, checkoutBundle, cpuTally, startBenchStack } from './stack';

async function visibilityEvents(stack: BenchStack, env: Record<string, string> = {}) {
  const worker = await stack.startWorker('acp', `bench-history-${process.pid}-${Date.now()}`, env);
  const handle = await runSaga(stack.client, worker.taskQueue, `bench-history-${process.pid}-${Date.now()}`);
  await worker.stop();
  const events = (await handle.fetchHistory()).events ?? [];
  const counts: Record<string, number> = {};
  const visibility: string[] = [];
  for (const e of events) {
    const type = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as any)[k]) ?? '?';
    const name = type.replace(/EventAttributes$/, '');
    counts[name] = (counts[name] ?? 0) + 1;
    const sa = e.upsertWorkflowSearchAttributesEventAttributes;
    if (sa)
      visibility.push(
        `${e.eventId} search attributes ${Object.keys(sa.searchAttributes?.indexedFields ?? {}).join(',')}`,
      );
    const memo = e.workflowPropertiesModifiedEventAttributes;
    if (memo) visibility.push(`${e.eventId} memo ${Object.keys(memo.upsertedMemo?.fields ?? {}).join(',')}`);
  }
  return { events: events.length, counts, visibility };
}

async function against(stack: BenchStack, other: string, sagas: number, rounds: number): Promise<void> {
  const otherBundle = (await checkoutBundle(other)).path;
  console.log(JSON.stringify({ other: await visibilityEvents(stack, { BENCH_BUNDLE: otherBundle }) }));
  const tag = `${process.pid}-${Date.now()}`;
  const workers = {
    other: await stack.startWorker('acp', `bench-other-${tag}`, { BENCH_BUNDLE: otherBundle }),
    this: await stack.startWorker('acp', `bench-this-${tag}`),
    bare: await stack.startWorker('acp', `bench-bare-${tag}`),
  };
  const kinds = ['other', 'this', 'bare'] as const;
  const cpu = cpuTally(stack.address, kinds);
  if (!cpu.server) throw new Error(`no dev server process found for ${stack.address}`);
  let n = 0;
  const burst = async (kind: keyof typeof workers) => {
    const t = performance.now();
    await inPool(sagas, sagas, async (i) => {
      const taskQueue = workers[kind].taskQueue;
      const workflowId = `bench-${kind}-${tag}-${n}-${i}`;
      return kind === 'bare'
        ? runTwin(stack.client, taskQueue, workflowId)
        : runSaga(stack.client, taskQueue, workflowId);
    });
    n += 1;
    return performance.now() - t;
  };
  const wall = await rotatingRounds({
    kinds,
    rounds,
    cpu,
    worker: (k) => workers[k].pid,
    burst,
    onRound: (round, ms) =>
      console.log(
        JSON.stringify({
          round,
          runsPerSecond: Object.fromEntries(
            Object.entries(ms).map(([k, v]) => [k, +(sagas / (v / 1000)).toFixed(2)]),
          ),
        }),
      ),
  });
  const perSecond = (k: keyof typeof wall) => (rounds * sagas) / (wall[k] / 1000);
  console.log(
    JSON.stringify({
      sagas,
      rounds,
      runsPerSecond: { other: perSecond('other'), this: perSecond('this'), bare: perSecond('bare') },
      ratioOther: +(perSecond('other') / perSecond('bare')).toFixed(3),
      ratioThis: +(perSecond('this') / perSecond('bare')).toFixed(3),
      cpuMsPerRun: Object.fromEntries(kinds.map((k) => [k, cpu.msPerRun(k, rounds * sagas)])),
    }),
  );
  for (const w of Object.values(workers)) await w.stop();
}

async function main(): Promise<void> {
  const sagas = Number(process.env.BENCH_SAGAS ?? 40);
  const runs = Number(process.env.BENCH_RUNS ?? 1);
  const stack = await startBenchStack();
  try {
    await orchestrationEmulator(stack);
    console.log(JSON.stringify(await visibilityEvents(stack)));
    if (process.env.BENCH_AGAINST) {
      await against(stack, process.env.BENCH_AGAINST, sagas, Number(process.env.BENCH_ROUNDS ?? 6));
      return;
    }
    for (let i = 0; i < runs; i++) {
      const o = await orchestration(stack, sagas, sagas);
      console.log(
        JSON.stringify({
          sagas,
          sagasPerSecond: +o.sagasPerSecond.toFixed(2),
          barePerSecond: +o.barePerSecond.toFixed(2),
          writesPerSecond: +o.writesPerSecond.toFixed(2),
          ratio: +o.ratio.toFixed(3),
          ratioWrites: +o.ratioWrites.toFixed(3),
          ratioBeyondWrites: +o.ratioBeyondWrites.toFixed(3),
          ratioNoop: +o.ratioNoop.toFixed(3),
          cpuMsPerRun: o.cpuMsPerRun,
        }),
      );
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
