// The orchestration figure of `npm run bench` alone, on a stack of its own: one saga's history first
// (which events it writes, and the visibility ones by status), then the figure BENCH_RUNS times
// (default 1) with BENCH_SAGAS runs at once (default 40). Prints one JSON line per figure.
//
//   node --import tsx bench/orchestration-alone.ts
import { runResult } from '../client/runs';
import { orchestration, SAGA_REQUEST } from './orchestration';
import { startBenchStack } from './stack';

async function main(): Promise<void> {
  const sagas = Number(process.env.BENCH_SAGAS ?? 40);
  const runs = Number(process.env.BENCH_RUNS ?? 1);
  const stack = await startBenchStack();
  try {
    await stack.useCatalogue({ kind: 'ample' });
    await stack.setLatency(0);
    const worker = await stack.startWorker('acp', `bench-history-${process.pid}`);
    const handle = await stack.client.workflow.start('provision', {
      taskQueue: worker.taskQueue,
      workflowId: `bench-history-${process.pid}`,
      args: [SAGA_REQUEST],
    });
    await runResult(handle);
    await worker.stop();
    const { events = [] } = await handle.fetchHistory();
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
      if (memo)
        visibility.push(`${e.eventId} memo ${Object.keys(memo.upsertedMemo?.fields ?? {}).join(',')}`);
    }
    console.log(JSON.stringify({ events: events.length, counts, visibility }));
    for (let i = 0; i < runs; i++) {
      const o = await orchestration(stack, sagas, sagas);
      console.log(
        JSON.stringify({
          sagas,
          sagasPerSecond: +o.sagasPerSecond.toFixed(2),
          barePerSecond: +o.barePerSecond.toFixed(2),
          ratio: +o.ratio.toFixed(3),
          ratioNoop: +o.ratioNoop.toFixed(3),
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
