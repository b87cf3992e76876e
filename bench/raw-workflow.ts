// The yardstick for orchestration cost: a plain Temporal workflow that runs no-op activities in the
// same batches as the saga it is compared with (a batch runs concurrently, batches one after another),
// each batch of the same kind: regular activities, or local activities where the saga's look-ups are
// local. Bundled on its own and served by its own worker (bench/worker-process.ts).
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

/** The raw worker's only activity (bench/worker-process.ts registers `{ async noop() {} }`). */
export interface RawActivities {
  noop(): Promise<void>;
}

export interface Batch {
  kind: 'activity' | 'local';
  count: number;
}

const { noop } = proxyActivities<RawActivities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<RawActivities>({ startToCloseTimeout: '1 minute' });

/** `batches[i].count` no-op activities at once, batch after batch. */
export async function rawWorkflow(batches: Batch[]): Promise<number> {
  let ran = 0;
  for (const b of batches) {
    const run = b.kind === 'local' ? local.noop : noop;
    await Promise.all(Array.from({ length: b.count }, () => run()));
    ran += b.count;
  }
  return ran;
}
