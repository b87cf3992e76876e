// The yardstick for orchestration cost: a plain Temporal workflow that runs `activities` no-op
// activities, in the same batches as the saga it is compared with (a batch runs concurrently, batches
// one after another). Bundled on its own and served by its own worker (bench/worker-process.ts).
import { proxyActivities } from '@temporalio/workflow';

/** The raw worker's only activity (bench/worker-process.ts registers `{ async noop() {} }`). */
export interface RawActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<RawActivities>({ startToCloseTimeout: '1 minute' });

/** `batches[i]` no-op activities at once, batch after batch. */
export async function rawWorkflow(batches: number[]): Promise<number> {
  let ran = 0;
  for (const n of batches) {
    await Promise.all(Array.from({ length: n }, () => noop()));
    ran += n;
  }
  return ran;
}
