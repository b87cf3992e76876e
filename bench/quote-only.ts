// Figure 1 alone (bench/quote-time.ts), for working on the quote's latency without the whole bench:
// `node --import tsx bench/quote-only.ts`. Env: BENCH_REPS (5), BENCH_LATENCIES ("150,0": each a
// separate pass over both intents at 5 and 8 regions). Prints one line per row and the ratios.
import { CPU_INTENT, GPU_INTENT } from './intents';
import { quoteTime } from './quote-time';
import { startBenchStack } from './stack';

async function main(): Promise<void> {
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const latencies = (process.env.BENCH_LATENCIES ?? '150,0').split(',').map(Number);
  const stack = await startBenchStack();
  try {
    const worker = await stack.startWorker('acp', `bench-quote-only-${process.pid}`);
    for (const latencyMs of latencies) {
      const rows = await quoteTime(stack, worker.taskQueue, [GPU_INTENT, CPU_INTENT], latencyMs, reps);
      for (const r of rows)
        console.log(
          `${latencyMs} ms/call  ${r.intent.startsWith('GPU') ? 'GPU' : 'CPU'} @${r.regions}  acp ${r.acpMs.toFixed(0)} ms  skill ${r.fullTableMs.toFixed(0)} ms  ${r.speedupVsFullTable.toFixed(1)}×  (${r.acpCalls} calls)`,
        );
    }
    await worker.stop();
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
