// The worker's CPU per warm quote (utime + stime from /proc, all its threads) and the wall median, for
// each intent through the `quote` workflow (5 regions) and the bench twin (8): a figure that moves less
// than wall time when the machine is shared. Env: BENCH_REPS (30), BENCH_LATENCY_MS (0), LABEL.
import { CPU_INTENT, GPU_INTENT, REGIONS_8 } from './intents';
import { cpuSeconds, startBenchStack } from './stack';

async function main(): Promise<void> {
  const reps = Number(process.env.BENCH_REPS ?? 30);
  const stack = await startBenchStack();
  try {
    const worker = await stack.startWorker('acp', `bench-quote-cpu-${process.pid}`);
    await stack.useCatalogue({ kind: 'default' });
    await stack.setLatency(Number(process.env.BENCH_LATENCY_MS ?? 0));
    let n = 0;
    for (const intent of [GPU_INTENT, CPU_INTENT]) {
      for (const kind of ['quote', 'quoteInRegions'] as const) {
        const run = async () => {
          n++;
          const t = performance.now();
          await stack.client.workflow.execute(kind, {
            taskQueue: worker.taskQueue,
            workflowId: `cpu-${process.pid}-${n}`,
            args: kind === 'quote' ? [intent.request] : [intent.request, REGIONS_8],
          });
          return performance.now() - t;
        };
        await run();
        await run();
        const c0 = cpuSeconds(worker.pid);
        const walls: number[] = [];
        for (let i = 0; i < reps; i++) walls.push(await run());
        const c1 = cpuSeconds(worker.pid);
        walls.sort((a, b) => a - b);
        console.log(
          `${process.env.LABEL ?? ''} ${intent.name.slice(0, 3)} ${kind.padEnd(14)} worker CPU ${(((c1 - c0) * 1000) / reps).toFixed(1)} ms/quote  wall median ${walls[Math.floor(reps / 2)]!.toFixed(0)} ms`,
        );
      }
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
