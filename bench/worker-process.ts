// A worker in its own process, so the benchmark can read the worker's RSS alone and keep the client,
// the emulator and the worker off one event loop. `BENCH_WORKER=acp` serves acp's workflows (plus the
// bench-only quoteInRegions) with acp's activities on SDK clients pointed at the emulator;
// `BENCH_WORKER=raw` serves bench/raw-workflow.ts with its no-op activity. Both load a bundle the
// parent built once (BENCH_BUNDLE), and print one JSON line when they poll.
import { readFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { cloudConfigFromEnv, createClients, staticCredential } from '../activities/clients';
import { tuneHeapForWorker } from '../worker/v8-heap';
import { createAcpWorker } from '../worker/worker';
import type { RawActivities } from './raw-workflow';

const rawActivities: RawActivities = { async noop() {} };

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = process.env;
  const kind = env.BENCH_WORKER === 'raw' ? 'raw' : 'acp';
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const taskQueue = env.BENCH_TASK_QUEUE ?? `bench-${kind}`;
  const workflowBundle = { code: readFileSync(env.BENCH_BUNDLE ?? '', 'utf8') };
  // acp's worker exactly as `acp worker` builds it (V8's heaps sized, createAcpWorker, default
  // options); the raw one with the SDK's and V8's defaults.
  if (kind === 'acp') tuneHeapForWorker();
  const worker =
    kind === 'raw'
      ? await Worker.create({
          connection,
          namespace: 'default',
          taskQueue,
          workflowBundle,
          activities: rawActivities,
        })
      : await createAcpWorker({
          connection,
          namespace: 'default',
          taskQueue,
          workflowBundle,
          clients: createClients(
            cloudConfigFromEnv(
              { ACP_ALIBABA_ENDPOINT: env.ACP_ALIBABA_ENDPOINT },
              // The emulator's keys come from the parent: importing the emulator here would load it
              // into the worker and inflate the RSS this process is measured by.
              staticCredential(env.BENCH_ACCESS_KEY_ID ?? '', env.BENCH_ACCESS_KEY_SECRET ?? ''),
            ),
          ),
        });
  // Again once the workflow thread exists, as runWorker does (worker/v8-heap.ts).
  if (kind === 'acp') tuneHeapForWorker();
  // BENCH_MEMORY_EVERY_MS: where the memory is (main isolate heap, buffers; RSS also holds the
  // workflow thread's heap and the Rust core), one JSON line on stderr at that interval.
  const every = Number(env.BENCH_MEMORY_EVERY_MS ?? 0);
  if (every > 0) {
    const mib = (n: number) => Math.round(n / 2 ** 20);
    setInterval(() => {
      const m = process.memoryUsage();
      console.error(
        JSON.stringify({
          memory: {
            rss: mib(m.rss),
            heapUsed: mib(m.heapUsed),
            heapTotal: mib(m.heapTotal),
            external: mib(m.external),
          },
        }),
      );
    }, every).unref();
  }
  const stop = () => worker.shutdown();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const running = worker.run();
  console.log(
    JSON.stringify({
      ready: true,
      kind,
      pid: process.pid,
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: worker.options.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: worker.options.maxConcurrentWorkflowTaskExecutions,
    }),
  );
  await running;
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
